// The reconciler's listings on the posts service, against the real FerretDB:
// every live post (streamed) and the live posts of a scope, with author and
// creation time; a deleted post is not listed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { PostsListing } from '@polyglot/contracts/reconcile';
import { internalHeaders } from '@polyglot/platform/internal-secret';
import { bootPosts, call, testUserId, type TestService } from './helpers.ts';

let svc: TestService;

before(async () => {
  svc = await bootPosts();
});

after(async () => {
  await svc.close();
});

test('the stream and a scope list each live post with its author and creation time, not deleted ones', async () => {
  const author = testUserId();
  const kept = await call(svc.base, 'POST', '/posts', { author_id: author, title: 'kept', body: 'b' });
  const removed = await call(svc.base, 'POST', '/posts', { author_id: author, title: 'removed', body: 'b' });
  assert.equal(kept.status, 201);
  assert.equal((await call(svc.base, 'DELETE', `/posts/${removed.body._id}`)).status, 204);

  const scoped = await call<PostsListing>(svc.base, 'POST', '/internal/reconcile/scope', { posts: [kept.body._id, removed.body._id, 'f'.repeat(24)].map((id) => ({ id, authorId: null })) });
  assert.equal(scoped.status, 200, JSON.stringify(scoped.body));
  assert.deepEqual(scoped.body.posts, [{ id: kept.body._id, authorId: author, createdAt: kept.body.createdAt }]);

  // Every live post as JSON lines, closed by a line that counts them.
  const streamed = await fetch(`${svc.base}/internal/reconcile/stream`, { headers: internalHeaders() });
  assert.equal(streamed.status, 200);
  assert.match(streamed.headers.get('content-type') ?? '', /application\/x-ndjson/);
  const lines = (await streamed.text()).trim().split('\n').map((line) => JSON.parse(line));
  const end = lines.at(-1);
  assert.deepEqual(end, { end: true, count: lines.length - 1 });
  assert.ok(lines.some((l) => l.id === kept.body._id && l.authorId === author));
  assert.ok(!lines.some((l) => l.id === removed.body._id), 'a deleted post is not live');
});
