// The reconciler's listing on the posts service, against the real FerretDB:
// every live post with its author and creation time; a deleted post is not
// listed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { PostsListing } from '@polyglot/contracts/reconcile';
import { bootPosts, call, testUserId, type TestService } from './helpers.ts';

let svc: TestService;

before(async () => {
  svc = await bootPosts();
});

after(async () => {
  await svc.close();
});

test('GET /internal/reconcile lists each live post with its author and creation time, not deleted ones', async () => {
  const author = testUserId();
  const kept = await call(svc.base, 'POST', '/posts', { author_id: author, title: 'kept', body: 'b' });
  const removed = await call(svc.base, 'POST', '/posts', { author_id: author, title: 'removed', body: 'b' });
  assert.equal(kept.status, 201);
  assert.equal((await call(svc.base, 'DELETE', `/posts/${removed.body._id}`)).status, 204);

  const response = await call<PostsListing>(svc.base, 'GET', '/internal/reconcile');
  assert.equal(response.status, 200);
  assert.deepEqual(response.body.posts, [{ id: kept.body._id, authorId: author, createdAt: kept.body.createdAt }]);
});
