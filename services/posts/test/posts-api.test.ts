// The HTTP API against the real FerretDB: posts, likes, comments, deletes,
// validation, and the event each change leaves in the store's log (every
// version of a post carries the event of its change).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { OutboxEvent } from '@polyglot/contracts/events';
import { internalHeaders } from '@polyglot/platform/internal-secret';
import { bootPosts, call, testUserId, type TestService } from './helpers.ts';

let svc: TestService;
before(async () => {
  svc = await bootPosts();
});
after(async () => {
  await svc?.close();
});

const HIDDEN = ['lastEvent', 'outbox', 'version', 'deleted', 'comments', 'user'];

async function createPost(authorId: number, extra: Record<string, unknown> = {}) {
  const res = await call(svc.base, 'POST', '/posts', { author_id: authorId, title: `title ${randomUUID()}`, body: 'hello', ...extra });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

describe('create and get', () => {
  test('creates a post whose one version in the log carries POST_CREATED at position 1', async () => {
    const author = testUserId();
    const traceparent = `00-${randomUUID().replaceAll('-', '')}-${randomUUID().replaceAll('-', '').slice(0, 16)}-01`;
    const res = await call(svc.base, 'POST', '/posts', { author_id: author, title: '  First  ', body: 'b', tags: ['x', 'y'], meta: { likes: 99, mood: 'happy' } }, { traceparent });
    assert.equal(res.status, 201);
    const post = res.body;
    assert.match(post._id, /^[0-9a-f]{24}$/);
    assert.equal(post.author_id, author);
    assert.equal(post.title, 'First');
    assert.deepEqual(post.tags, ['x', 'y']);
    assert.deepEqual(post.meta, { likes: 0, mood: 'happy' }, 'likes start at 0 whatever the client sent');
    assert.equal(post.comments_count, 0);
    assert.equal(post.createdAt, post.updatedAt);
    for (const key of HIDDEN) assert.equal(key in post, false, `${key} is not exposed`);

    const stored = await svc.stored(post._id);
    assert.ok(stored);
    assert.equal(stored.version, 1);
    const events = await svc.events(post._id);
    assert.equal(events.length, 1);
    const [event] = events as [OutboxEvent];
    assert.deepEqual(stored.lastEvent, event, 'the stored post carries its event');
    assert.equal(event.type, 'POST_CREATED');
    assert.equal(event.position, 1);
    assert.equal(event.aggregate, 'post');
    assert.equal(event.aggregateId, post._id);
    assert.equal(event.actorId, author);
    assert.equal(event.traceparent, traceparent);
    assert.match(event.eventId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(event.data, { _id: post._id, author_id: author, title: 'First', body: 'b', tags: ['x', 'y'], likes: 0, createdAt: post.createdAt, updatedAt: post.updatedAt, post: { ...post, version: 1 } });

    const got = await call(svc.base, 'GET', `/posts/${post._id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, post);
  });

  test('an unknown id is 404 POST_NOT_FOUND, a malformed one 400 INVALID_ID', async () => {
    const missing = 'f'.repeat(24);
    const res = await call(svc.base, 'GET', `/posts/${missing}`);
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { error: `no post has id ${missing}`, code: 'POST_NOT_FOUND' });
    for (const bad of ['123', 'zzzzzzzzzzzzzzzzzzzzzzzz', 'F'.repeat(24), '%24where']) {
      const r = await call(svc.base, 'GET', `/posts/${bad}`);
      assert.equal(r.status, 400, bad);
      assert.equal(r.body.code, 'INVALID_ID');
    }
    const badComment = await call(svc.base, 'DELETE', `/posts/${missing}/comments/not-a-uuid`);
    assert.equal(badComment.status, 400);
    assert.equal(badComment.body.code, 'INVALID_ID');
    const badUser = await call(svc.base, 'POST', '/internal/authors/0/delete-posts');
    assert.equal(badUser.status, 400);
  });
});

describe('lookup of posts as lists show them (the gateway builds pages from the listings the cache projection keeps)', () => {
  test('the live posts among the ids, with their versions; unknown and deleted ids are left out', async () => {
    const a = testUserId();
    const [first, second, gone] = [await createPost(a, { title: 'a0' }), await createPost(a, { title: 'a1' }), await createPost(a, { title: 'a2' })];
    await call(svc.base, 'POST', `/posts/${second._id}/like`, {});
    assert.equal((await call(svc.base, 'DELETE', `/posts/${gone._id}`)).status, 204);
    const res = await call(svc.base, 'GET', `/internal/posts?ids=${[first._id, second._id, gone._id, 'a'.repeat(24)].join(',')}`);
    assert.equal(res.status, 200);
    const byId = new Map((res.body as Array<{ _id: string; version: number; meta: { likes: number } }>).map((p) => [p._id, p]));
    assert.deepEqual([...byId.keys()].sort(), [first._id, second._id].sort());
    assert.deepEqual(byId.get(first._id), { ...first, version: 1 });
    assert.deepEqual([byId.get(second._id)?.version, byId.get(second._id)?.meta.likes], [2, 1]);
    for (const key of HIDDEN.filter((k) => k !== 'version')) assert.equal(key in byId.get(first._id)!, false);
    assert.deepEqual((await call(svc.base, 'GET', '/internal/posts?ids=')).body, []);
  });

  test('rejects bad ids, too many, and the list parameters it no longer takes', async () => {
    const many = Array.from({ length: 202 }, (_, i) => i.toString(16).padStart(24, '0')).join(',');
    for (const q of ['ids=xyz', 'ids=1,2', `ids=${'a'.repeat(24)},`, `ids=${many}`, 'limit=5', 'unknown=1', '']) {
      const res = await call(svc.base, 'GET', `/internal/posts?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal(res.body.code, 'VALIDATION_FAILED', q);
    }
    assert.equal((await call(svc.base, 'GET', '/posts')).status, 404, 'lists are the gateway’s, from the listings');
  });
});

describe('update', () => {
  test('changes the given fields, keeps likes, and appends POST_UPDATED at the next position', async () => {
    const author = testUserId();
    const post = await createPost(author, { meta: { a: 1 } });
    await call(svc.base, 'POST', `/posts/${post._id}/like`);
    const res = await call(svc.base, 'PUT', `/posts/${post._id}`, { title: 'new title', meta: { b: 'two', likes: 1000 } });
    assert.equal(res.status, 200);
    assert.equal(res.body.title, 'new title');
    assert.equal(res.body.body, post.body);
    assert.deepEqual(res.body.meta, { b: 'two', likes: 1 }, 'meta is replaced; likes stay the server count');
    assert.ok(res.body.updatedAt > post.updatedAt);
    assert.equal(res.body.createdAt, post.createdAt);

    const stored = await svc.stored(post._id);
    assert.equal(stored?.version, 3);
    const events = await svc.events(post._id);
    assert.deepEqual(events.map((e) => [e.type, e.position]), [['POST_CREATED', 1], ['POST_LIKED', 2], ['POST_UPDATED', 3]]);
    assert.deepEqual(events[2]?.data, { _id: post._id, author_id: author, title: 'new title', body: post.body, tags: [], likes: 1, createdAt: post.createdAt, updatedAt: res.body.updatedAt, post: { ...res.body, version: 3 } });

    const missing = await call(svc.base, 'PUT', `/posts/${'a'.repeat(24)}`, { title: 'x' });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'POST_NOT_FOUND');
    const empty = await call(svc.base, 'PUT', `/posts/${post._id}`, {});
    assert.equal(empty.status, 400);
    assert.equal(empty.body.code, 'VALIDATION_FAILED');
  });
});

describe('ids as a client sends them', () => {
  const REFUSED: unknown[] = ['17a', '-1', '1.5', 0, '0', '', ' 17', '017', 1e300, '9007199254740992', 1.5, -1, null, true, [1]];

  test('author_id, userId and a comment\'s author_id as a string of digits are stored as the integer', async () => {
    const author = testUserId();
    const created = await call(svc.base, 'POST', '/posts', { author_id: String(author), title: 'from a select', body: 'b', tags: [] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.author_id, author);
    const stored = await svc.stored(created.body._id);
    assert.ok(stored, 'the post is stored');
    assert.equal(stored.author_id, author, 'stored as a number, not a string');
    assert.equal((stored.lastEvent.data as { author_id: unknown }).author_id, author);
    assert.equal(stored.lastEvent.actorId, author);

    const liker = testUserId();
    const liked = await call(svc.base, 'POST', `/posts/${created.body._id}/like`, { userId: String(liker) });
    assert.equal(liked.status, 200, JSON.stringify(liked.body));
    const comment = await call(svc.base, 'POST', `/posts/${created.body._id}/comments`, { author_id: String(liker), body: 'hi' });
    assert.equal(comment.status, 201, JSON.stringify(comment.body));
    assert.equal(comment.body.author_id, liker);
    const events = await svc.events(created.body._id);
    assert.deepEqual(events.slice(1).map((e) => [e.type, e.actorId]), [['POST_LIKED', liker], ['COMMENT_CREATED', liker]]);
  });

  test('any other id is 400 VALIDATION_FAILED and nothing is written', async () => {
    const post = await createPost(testUserId());
    for (const bad of REFUSED) {
      const label = JSON.stringify(bad);
      const create = await call(svc.base, 'POST', '/posts', { author_id: bad, title: 't', body: 'b' });
      assert.equal(create.status, 400, `${label} → ${JSON.stringify(create.body)}`);
      assert.equal(create.body.code, 'VALIDATION_FAILED', label);
      assert.match(create.body.error, /author_id: an id is a positive whole number/, label);
      for (const [method, path, body] of [
        ['PUT', `/posts/${post._id}`, { title: 't', author_id: bad }],
        ['POST', `/posts/${post._id}/like`, { userId: bad }],
        ['POST', `/posts/${post._id}/comments`, { author_id: bad, body: 'b' }],
      ] as const) {
        const r = await call(svc.base, method, path, body);
        assert.equal(r.status, 400, `${method} ${path} ${label} → ${JSON.stringify(r.body)}`);
        assert.equal(r.body.code, 'VALIDATION_FAILED', `${method} ${path} ${label}`);
      }
    }
    assert.equal((await svc.stored(post._id))?.version, 1, 'no refused request changed the post');
  });

  test('PUT with the whole post as read: author_id (number or digits) equal to the author is accepted', async () => {
    const author = testUserId();
    const post = await createPost(author, { tags: ['a'] });
    const asNumber = await call(svc.base, 'PUT', `/posts/${post._id}`, { title: 'edited', body: 'new body', tags: ['a', 'b'], author_id: author });
    assert.equal(asNumber.status, 200, JSON.stringify(asNumber.body));
    assert.equal(asNumber.body.title, 'edited');
    assert.equal(asNumber.body.author_id, author);
    const asDigits = await call(svc.base, 'PUT', `/posts/${post._id}`, { title: 'edited again', body: 'new body', tags: ['a', 'b'], author_id: String(author) });
    assert.equal(asDigits.status, 200, JSON.stringify(asDigits.body));
    assert.equal(asDigits.body.title, 'edited again');
    assert.equal(asDigits.body.author_id, author);
    const stored = await svc.stored(post._id);
    assert.equal(stored?.author_id, author);
    assert.deepEqual((await svc.events(post._id)).map((e) => e.type), ['POST_CREATED', 'POST_UPDATED', 'POST_UPDATED']);

    // author_id alone changes nothing: the same rule as an empty body.
    const alone = await call(svc.base, 'PUT', `/posts/${post._id}`, { author_id: author });
    assert.equal(alone.status, 400);
    assert.equal(alone.body.code, 'VALIDATION_FAILED');
    // Other keys of a post as read stay refused: the body is strict.
    for (const extra of [{ _id: post._id }, { comments_count: 0 }, { createdAt: post.createdAt }, { user: null }]) {
      const r = await call(svc.base, 'PUT', `/posts/${post._id}`, { title: 'x', author_id: author, ...extra });
      assert.equal(r.status, 400, JSON.stringify(extra));
      assert.equal(r.body.code, 'VALIDATION_FAILED');
    }
  });

  test('PUT with another author_id is 400 AUTHOR_CHANGE_NOT_ALLOWED and changes nothing', async () => {
    const author = testUserId();
    const post = await createPost(author);
    for (const other of [author + 1, String(author + 1)]) {
      const r = await call(svc.base, 'PUT', `/posts/${post._id}`, { title: 'stolen', author_id: other });
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.code, 'AUTHOR_CHANGE_NOT_ALLOWED');
      assert.match(r.body.error, /the author of a post cannot change/);
      assert.deepEqual(Object.keys(r.body).sort(), ['code', 'error']);
    }
    const stored = await svc.stored(post._id);
    assert.equal(stored?.version, 1);
    assert.equal(stored?.title, post.title);
    assert.equal(stored?.author_id, author);
    const missing = await call(svc.base, 'PUT', `/posts/${'c'.repeat(24)}`, { title: 'x', author_id: author });
    assert.equal(missing.status, 404);
  });
});

describe('like', () => {
  test('20 parallel likes: likes = 20, 20 POST_LIKED with distinct, increasing positions', async () => {
    const post = await createPost(testUserId());
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => call(svc.base, 'POST', `/posts/${post._id}/like`, { userId: 1000 + i })));
    assert.deepEqual(results.map((r) => r.status), Array(20).fill(200));

    const stored = await svc.stored(post._id);
    assert.ok(stored);
    assert.equal(stored.meta.likes, 20);
    assert.equal(stored.version, 21);
    const liked = (await svc.events(post._id)).filter((e) => e.type === 'POST_LIKED');
    assert.equal(liked.length, 20);
    assert.deepEqual(liked.map((e) => e.position), Array.from({ length: 20 }, (_, i) => i + 2), 'positions 2..21 in order');
    assert.deepEqual(liked.map((e) => (e.data as { likes: number }).likes), Array.from({ length: 20 }, (_, i) => i + 1));
    assert.deepEqual(new Set(liked.map((e) => e.actorId)), new Set(Array.from({ length: 20 }, (_, i) => 1000 + i)));
    const { post: view, ...data } = liked[0]!.data as { post: { meta: { likes: number }; version: number } };
    assert.deepEqual(data, { _id: post._id, author_id: post.author_id, likes: 1, userId: liked[0]?.actorId });
    assert.deepEqual([view.meta.likes, view.version], [1, 2], 'each event carries the post as lists show it after the change');

    const got = await call(svc.base, 'GET', `/posts/${post._id}`);
    assert.equal(got.body.meta.likes, 20);
  });

  test('a like without a body has no user; unknown post is 404', async () => {
    const post = await createPost(testUserId());
    const res = await call(svc.base, 'POST', `/posts/${post._id}/like`);
    assert.equal(res.status, 200);
    assert.equal(res.body.meta.likes, 1);
    const stored = await svc.stored(post._id);
    assert.ok(stored, 'the post is stored');
    assert.equal(stored.lastEvent.type, 'POST_LIKED');
    assert.equal(stored.lastEvent.actorId, null);
    assert.equal((stored.lastEvent.data as { userId: unknown }).userId, null);
    const missing = await call(svc.base, 'POST', `/posts/${'b'.repeat(24)}/like`);
    assert.equal(missing.status, 404);
    const badBody = await call(svc.base, 'POST', `/posts/${post._id}/like`, { userId: 'me' });
    assert.equal(badBody.status, 400);
  });
});

describe('comments', () => {
  test('create, list oldest first, count, delete', async () => {
    const author = testUserId();
    const commenter = testUserId();
    const post = await createPost(author);
    const c1 = await call(svc.base, 'POST', `/posts/${post._id}/comments`, { author_id: commenter, body: ' first ' });
    assert.equal(c1.status, 201);
    assert.match(c1.body.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual({ ...c1.body, id: undefined, createdAt: undefined }, { id: undefined, post_id: post._id, author_id: commenter, body: 'first', createdAt: undefined });
    const c2 = await call(svc.base, 'POST', `/posts/${post._id}/comments`, { author_id: author, body: 'second' });
    assert.equal(c2.status, 201);

    const list = await call(svc.base, 'GET', `/posts/${post._id}/comments`);
    assert.equal(list.status, 200);
    assert.deepEqual(list.body, [c1.body, c2.body]);
    assert.equal((await call(svc.base, 'GET', `/posts/${post._id}`)).body.comments_count, 2);

    const del = await call(svc.base, 'DELETE', `/posts/${post._id}/comments/${c1.body.id}`);
    assert.equal(del.status, 204);
    assert.equal(del.body, null);
    assert.deepEqual((await call(svc.base, 'GET', `/posts/${post._id}/comments`)).body, [c2.body]);
    assert.equal((await call(svc.base, 'GET', `/posts/${post._id}`)).body.comments_count, 1);

    const again = await call(svc.base, 'DELETE', `/posts/${post._id}/comments/${c1.body.id}`);
    assert.equal(again.status, 404);
    assert.equal(again.body.code, 'COMMENT_NOT_FOUND');

    const events = await svc.events(post._id);
    assert.deepEqual(events.map((e) => [e.type, e.position]), [['POST_CREATED', 1], ['COMMENT_CREATED', 2], ['COMMENT_CREATED', 3], ['COMMENT_DELETED', 4]]);
    const withoutView = (data: unknown) => {
      const { post: view, ...rest } = data as { post: { comments_count: number; author_id: number } };
      return { rest, counted: view.comments_count, postAuthor: view.author_id };
    };
    assert.deepEqual(withoutView(events[1]?.data), { rest: { _id: post._id, commentId: c1.body.id, author_id: commenter, post_author_id: author, body: 'first' }, counted: 1, postAuthor: author });
    assert.equal(events[1]?.actorId, commenter);
    assert.deepEqual(withoutView(events[3]?.data), { rest: { _id: post._id, commentId: c1.body.id, author_id: commenter, post_author_id: author }, counted: 1, postAuthor: author });
  });

  test('comments of an unknown post are 404; empty bodies are 400', async () => {
    const missing = 'c'.repeat(24);
    assert.equal((await call(svc.base, 'GET', `/posts/${missing}/comments`)).status, 404);
    assert.equal((await call(svc.base, 'POST', `/posts/${missing}/comments`, { author_id: 1, body: 'x' })).status, 404);
    assert.equal((await call(svc.base, 'DELETE', `/posts/${missing}/comments/${randomUUID()}`)).body.code, 'POST_NOT_FOUND');
    const post = await createPost(testUserId());
    const empty = await call(svc.base, 'POST', `/posts/${post._id}/comments`, { author_id: 1, body: '   ' });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.code, 'VALIDATION_FAILED');
  });
});

describe('delete', () => {
  test('writes a last version with POST_DELETED, then removes the post; every read says 404 afterwards', async () => {
    const author = testUserId();
    const post = await createPost(author);
    const del = await call(svc.base, 'DELETE', `/posts/${post._id}`);
    assert.equal(del.status, 204);
    for (const [method, path] of [['GET', `/posts/${post._id}`], ['PUT', `/posts/${post._id}`], ['DELETE', `/posts/${post._id}`], ['POST', `/posts/${post._id}/like`], ['GET', `/posts/${post._id}/comments`], ['POST', `/posts/${post._id}/comments`]] as const) {
      const body = method === 'PUT' ? { title: 't' } : path.endsWith('/comments') && method === 'POST' ? { author_id: 1, body: 'x' } : undefined;
      const res = await call(svc.base, method, path, body);
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(res.body.code, 'POST_NOT_FOUND');
    }
    const lookup = await call(svc.base, 'GET', `/internal/posts?ids=${post._id}`);
    assert.deepEqual(lookup.body, []);

    assert.equal(await svc.stored(post._id), null, 'nothing is left in the store');
    const events = await svc.events(post._id);
    assert.deepEqual(events.map((e) => [e.type, e.position]), [['POST_CREATED', 1], ['POST_DELETED', 2]]);
    assert.deepEqual(events[1]?.data, { _id: post._id, author_id: author });
  });

  test('internal delete-posts deletes every post of an author, once', async () => {
    const author = testUserId();
    const other = testUserId();
    const ids = [(await createPost(author))._id, (await createPost(author))._id, (await createPost(author))._id];
    const kept = (await createPost(other))._id;
    await call(svc.base, 'DELETE', `/posts/${ids[0]}`);

    const res = await call(svc.base, 'POST', `/internal/authors/${author}/delete-posts`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { deleted: 2 });
    const again = await call(svc.base, 'POST', `/internal/authors/${author}/delete-posts`);
    assert.deepEqual(again.body, { deleted: 0 }, 'idempotent');
    for (const id of ids) {
      assert.equal(await svc.stored(id), null);
      assert.equal((await svc.events(id)).filter((e) => e.type === 'POST_DELETED').length, 1, 'one POST_DELETED per post');
    }
    assert.equal((await call(svc.base, 'GET', `/posts/${kept}`)).status, 200);
  });
});

describe('validation', () => {
  test('malformed JSON is 400 MALFORMED_JSON', async () => {
    const res = await call(svc.base, 'POST', '/posts', '{"author_id": 1, "title": ');
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'MALFORMED_JSON');
  });

  test('operator keys and operator values are 400 VALIDATION_FAILED', async () => {
    const bodies = [
      { author_id: 1, title: 't', body: 'b', $where: 'sleep(1000)' },
      { author_id: 1, title: { $ne: '' }, body: 'b' },
      { author_id: 1, title: 't', body: 'b', meta: { $set: { 'meta.likes': 1000 } } },
      { author_id: 1, title: 't', body: 'b', meta: { 'a.b': 1 } },
      { author_id: 1, title: 't', body: 'b', meta: { nested: { x: 1 } } },
      { author_id: 1, title: 't', body: 'b', tags: ['$bad'] },
      { author_id: { $gt: 0 }, title: 't', body: 'b' },
      { author_id: '1 OR 1=1', title: 't', body: 'b' },
      { author_id: 0, title: 't', body: 'b' },
      { author_id: 1, title: '   ', body: 'b' },
      { author_id: 1, body: 'b' },
    ];
    for (const body of bodies) {
      const res = await call(svc.base, 'POST', '/posts', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.code, 'VALIDATION_FAILED', JSON.stringify(body));
      assert.equal(typeof res.body.error, 'string');
    }
    const post = await createPost(testUserId());
    const update = await call(svc.base, 'PUT', `/posts/${post._id}`, { meta: { $inc: 1 } });
    assert.equal(update.status, 400);
    assert.equal(update.body.code, 'VALIDATION_FAILED');
  });

  test('a body over 64 KiB is 413 BODY_TOO_LARGE', async () => {
    const res = await call(svc.base, 'POST', '/posts', { author_id: 1, title: 't', body: 'x'.repeat(70 * 1024) });
    assert.equal(res.status, 413);
    assert.equal(res.body.code, 'BODY_TOO_LARGE');
  });

  test('a body that is not JSON is 415', async () => {
    const res = await call(svc.base, 'POST', '/posts', 'author_id=1', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(res.status, 415);
    assert.equal(res.body.code, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('an unknown route is 404 ROUTE_NOT_FOUND', async () => {
    const res = await call(svc.base, 'GET', '/nope');
    assert.equal(res.status, 404);
    assert.equal(res.body.code, 'ROUTE_NOT_FOUND');
  });
});

test('health is ok while the store answers', async () => {
  const res = await call(svc.base, 'GET', '/health');
  assert.equal(res.status, 200);
  // A service started by a test runs without tracing (runUntilSignal starts it), and says so.
  assert.deepEqual(res.body, { status: 'ok', checks: { mongo: 'ok' }, userCascade: null, tracing: { enabled: false, sampleRatio: 0, exportedSpans: 0, failedSpans: 0, lastError: null } });
});

describe('consistency tokens', () => {
  test('every write answers x-consistency-token posts:ID:VERSION, the position of the event it appended', async () => {
    const send = (method: string, path: string, body?: unknown) =>
      fetch(`${svc.base}${path}`, { method, headers: { ...internalHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? null : JSON.stringify(body) });
    const created = await send('POST', '/posts', { author_id: testUserId(), title: 't', body: 'b' });
    const id = ((await created.json()) as { _id: string })._id;
    assert.equal(created.headers.get('x-consistency-token'), `posts:${id}:1`);
    assert.equal((await send('POST', `/posts/${id}/like`)).headers.get('x-consistency-token'), `posts:${id}:2`);
    assert.equal((await send('PUT', `/posts/${id}`, { title: 'u' })).headers.get('x-consistency-token'), `posts:${id}:3`);
    assert.equal((await send('POST', `/posts/${id}/comments`, { author_id: 1, body: 'c' })).headers.get('x-consistency-token'), `posts:${id}:4`);
    assert.equal((await send('DELETE', `/posts/${id}`)).headers.get('x-consistency-token'), `posts:${id}:5`);
    const missing = await send('DELETE', `/posts/${id}`);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('x-consistency-token'), null);
  });
});
