// /posts and comments through the gateway, against the real users and posts
// services and the cache projection (lists are served from the listings it
// keeps); the profile, post and page caches against the real Redis.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { POSTS_GENERATION_KEY, POSTS_LISTING_KEY, postKey, postsPageKey, userKey, userTombstoneKey } from '@polyglot/contracts/cache-keys';
import { waitFor } from '@polyglot/platform/wait-for';
import type { RunningGateway } from '../src/app.ts';
import { call, keyspaceHits, redisClient, startGateway, startStack, stateRedisClient, uniqueEmail, type Stack } from './support.ts';

const stack: Stack = await startStack({ services: ['users', 'posts', 'cacheProjection'] });
const base = stack.url;
const redis = redisClient();
/** Tombstones and generations are state. */
const state = stateRedisClient();
const users: number[] = [];
const posts: string[] = [];
/** The consistency token of the last post written here: a read that carries it waits for the cache projection. */
let lastToken = '';

after(async () => {
  for (const id of posts) await call(base, 'DELETE', `/posts/${id}`).catch(() => undefined);
  for (const id of users) {
    await call(base, 'DELETE', `/users/${id}`).catch(() => undefined);
    await redis.del(userKey(id));
    await state.del(userTombstoneKey(id));
  }
  redis.disconnect();
  state.disconnect();
  await stack.stop();
});

async function newUser(name: string): Promise<{ id: number; name: string; email: string }> {
  const r = await call(base, 'POST', '/users', { email: uniqueEmail(name.toLowerCase()), name, password: 'correct horse' });
  assert.equal(r.status, 201, r.text);
  users.push(r.body.id);
  return r.body;
}

async function newPost(authorId: number, title: string, extra: Record<string, unknown> = {}): Promise<{ _id: string; author_id: number; title: string }> {
  const r = await call(base, 'POST', '/posts', { author_id: authorId, title, body: `body of ${title}`, tags: ['test'], ...extra });
  assert.equal(r.status, 201, r.text);
  posts.push(r.body._id);
  lastToken = r.headers.get('x-consistency-token') ?? '';
  return r.body;
}

/** What the cache projection does when posts change. */
const bumpPostsGeneration = () => state.incr(POSTS_GENERATION_KEY);

describe('posts', () => {
  let author: { id: number; name: string; email: string };
  before(async () => {
    author = await newUser('Author');
  });

  test('POST /posts answers 201 Post with _id; an author who is not a user is 404 USER_NOT_FOUND', async () => {
    const post = await newPost(author.id, 'hello');
    assert.match(post._id, /^[0-9a-f]{24}$/);
    assert.equal(post.author_id, author.id);
    const ghost = await call(base, 'POST', '/posts', { author_id: 999999999999, title: 't', body: 'b' });
    assert.equal(ghost.status, 404);
    assert.deepEqual(ghost.body, { error: 'author_id 999999999999 is not a user', code: 'USER_NOT_FOUND' });
  });

  test('GET /posts/:id attaches the author and fills the profile cache (cache-aside)', async () => {
    const post = await newPost(author.id, 'with author');
    await redis.del(userKey(author.id));
    const r = await call(base, 'GET', `/posts/${post._id}`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.user, { id: author.id, name: author.name, email: author.email });
    const cached = JSON.parse((await redis.get(userKey(author.id))) ?? 'null');
    assert.equal(cached.id, author.id);
    assert.equal(cached.email, author.email);
    assert.equal(typeof cached.position, 'number');
    const ttl = await redis.ttl(userKey(author.id));
    assert.ok(ttl > 0 && ttl <= 3600, `ttl ${ttl}`);

    // A later read takes the author from the cache: what the cache says is what is shown.
    await redis.set(userKey(author.id), JSON.stringify({ ...cached, name: 'Cached Name' }), 'EX', 60);
    assert.equal((await call(base, 'GET', `/posts/${post._id}`)).body.user.name, 'Cached Name');
    await redis.del(userKey(author.id));
  });

  test('a tombstoned profile is not cached again; a deleted author shows as user: null', async () => {
    const gone = await newUser('Gone');
    const post = await newPost(gone.id, 'orphan');
    // A tombstone later than any change of the user: the cache projection's put of the creation loses to it too.
    await state.set(userTombstoneKey(gone.id), String(Number.MAX_SAFE_INTEGER), 'EX', 60);
    // The projection may have cached the profile before the tombstone: start from a miss.
    await redis.del(userKey(gone.id));
    assert.equal((await call(base, 'GET', `/posts/${post._id}`)).body.user.id, gone.id);
    assert.equal(await redis.exists(userKey(gone.id)), 0, 'no fill over a tombstone');

    const deletion = await call(base, 'DELETE', `/users/${gone.id}`);
    assert.equal(deletion.status, 204);
    const r = await call(base, 'GET', `/posts/${post._id}?token=${deletion.headers.get('x-consistency-token')}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.user, null);
  });

  test('GET /posts/:id passes the posts service errors through: 404 POST_NOT_FOUND; a bad id is 400', async () => {
    const missing = await call(base, 'GET', '/posts/0123456789abcdef01234567');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'POST_NOT_FOUND');
    assert.equal((await call(base, 'GET', '/posts/not-an-id')).status, 400);
  });

  test('GET /posts: a bare array newest first with authors, X-Total-Count and a Link to the next page', async () => {
    const mine: Array<{ _id: string }> = [];
    for (const n of [1, 2, 3]) mine.push(await newPost(author.id, `page ${n}`));
    const totalBefore = await state.zcard(POSTS_LISTING_KEY);
    const first = await call(base, 'GET', `/posts?limit=2&token=${lastToken}`);
    const totalAfter = await state.zcard(POSTS_LISTING_KEY);
    assert.equal(first.status, 200);
    assert.ok(Array.isArray(first.body));
    assert.equal(first.body.length, 2);
    assert.ok(first.body[0]._id > first.body[1]._id, 'newest first');
    assert.ok(first.body[0]._id >= mine[2]!._id, 'a read with the token shows the newest post written');
    for (const p of first.body) assert.ok(p.user === null || typeof p.user.name === 'string');
    assert.deepEqual(Object.keys(first.body[0]).sort(), ['_id', 'author_id', 'body', 'comments_count', 'createdAt', 'meta', 'tags', 'title', 'updatedAt', 'user'], 'no version or other field of the cached copy');
    // The listing's count; other tests may add or remove posts meanwhile, so it lies between the two direct reads.
    const total = Number(first.headers.get('x-total-count'));
    assert.ok(total >= 3 && total >= Math.min(totalBefore, totalAfter) && total <= Math.max(totalBefore, totalAfter), `X-Total-Count ${total} vs ${totalBefore}..${totalAfter}`);

    const link = first.headers.get('link') ?? '';
    const match = /^<([^>]+)>; rel="next"$/.exec(link);
    assert.ok(match, `Link: ${link}`);
    const next = new URL(match[1]!);
    assert.equal(next.pathname, '/posts');
    assert.equal(next.searchParams.get('before'), first.body[1]._id);
    assert.equal(next.searchParams.get('limit'), '2');
    const second = await call(base, 'GET', `${next.pathname}${next.search}`);
    assert.equal(second.status, 200);
    assert.ok(second.body.length > 0);
    for (const p of second.body) assert.ok(p._id < first.body[1]._id, 'older than the previous page');

    const all = await call(base, 'GET', `/posts?limit=200`);
    if (Number(all.headers.get('x-total-count')) <= 200) assert.equal(all.headers.get('link'), null, 'no Link on the last page');
  });

  test('GET /posts is cached in Redis under the posts generation; bumping it rebuilds the page', async () => {
    await newPost(author.id, 'cached page');
    await call(base, 'GET', `/posts?limit=3&token=${lastToken}`);
    await bumpPostsGeneration();
    // With a token: answered the page of the new generation, not the one built last.
    const built = await call(base, 'GET', `/posts?limit=3&token=${lastToken}`);
    assert.equal(built.status, 200);
    const generation = Number(await state.get(POSTS_GENERATION_KEY));
    const key = postsPageKey(generation, 3, undefined);
    const stored = JSON.parse((await redis.get(key)) ?? 'null');
    assert.ok(stored, `page cached under ${key}`);
    assert.deepEqual(stored.items.map((p: { _id: string }) => p._id), built.body.map((p: { _id: string }) => p._id));
    const ttl = await redis.ttl(key);
    assert.ok(ttl > 0 && ttl <= 60);

    // Mark the cached page: a read that shows the mark was served from Redis. The gateway that
    // built the page keeps its own copy; a second gateway (as when several run) reads Redis's.
    stored.items[0].title = 'served from the cache';
    await redis.set(key, JSON.stringify(stored), 'EX', 60);
    const again = await call(base, 'GET', '/posts?limit=3');
    assert.deepEqual(again.body, built.body, 'the builder answers from the copy it kept');
    const other = await startGateway({ USERS_URL: stack.services.users!, POSTS_URL: stack.services.posts! });
    try {
      const otherUrl = `http://127.0.0.1:${other.port}`;
      const hits = await keyspaceHits(redis);
      const cached = await call(otherUrl, 'GET', '/posts?limit=3');
      assert.equal(cached.body[0].title, 'served from the cache');
      assert.equal(cached.headers.get('x-total-count'), built.headers.get('x-total-count'));
      assert.ok((await keyspaceHits(redis)) >= hits + 2, 'keyspace_hits grew by the generation and the page');

      await bumpPostsGeneration();
      for (const url of [base, otherUrl]) {
        await waitFor('the page built under the new generation', async () => (await call(url, 'GET', '/posts?limit=3')).body[0].title !== 'served from the cache');
      }
    } finally {
      await other.stop();
    }
  });

  test('a page is built from the cached posts the projection keeps; a post missing there is read from the posts service and cached', async () => {
    const post = await newPost(author.id, 'kept in place');
    const like = await call(base, 'POST', `/posts/${post._id}/like?consistency=eventual`);
    const token = like.headers.get('x-consistency-token');
    const page = await call(base, 'GET', `/posts?limit=5&token=${token}`);
    assert.equal(page.body.find((p: { _id: string }) => p._id === post._id)?.meta.likes, 1, 'the like is in the page');
    assert.equal(JSON.parse((await redis.get(postKey(post._id))) ?? 'null')?.version, 2, 'the projection replaced the cached copy with version 2');

    await redis.del(postKey(post._id));
    await bumpPostsGeneration();
    await call(base, 'GET', '/posts?limit=5');
    const rebuilt = await call(base, 'GET', `/posts?limit=5&token=${token}`);
    assert.equal(rebuilt.body.find((p: { _id: string }) => p._id === post._id)?.meta.likes, 1);
    const filled = JSON.parse((await redis.get(postKey(post._id))) ?? 'null');
    assert.equal(filled?.version, 2, 'filled from the posts service, with its version');
    assert.ok((await redis.ttl(postKey(post._id))) > 0, 'a fill expires');

    const del = await call(base, 'DELETE', `/posts/${post._id}`);
    const gone = await call(base, 'GET', `/posts?limit=5&token=${del.headers.get('x-consistency-token')}`);
    assert.equal(gone.body.some((p: { _id: string }) => p._id === post._id), false, 'a deleted post leaves the listing');
    assert.equal(await state.zscore(POSTS_LISTING_KEY, post._id), null);
  });

  test('under a new generation, a read without a token gets the page built last at once, and the new one is built behind it; a read with a token waits for it', async () => {
    const post = await newPost(author.id, 'changing in place');
    const built = await call(base, 'GET', `/posts?limit=3&token=${lastToken}`);
    assert.equal(built.body[0]._id, post._id);
    const cached = JSON.parse((await redis.get(postKey(post._id))) ?? 'null');
    // What the cache projection does when the post changes: the copy, then the generation.
    await redis.set(postKey(post._id), JSON.stringify({ ...cached, title: 'changed in place', version: cached.version + 1 }));
    await bumpPostsGeneration();
    const stale = await call(base, 'GET', '/posts?limit=3');
    assert.equal(stale.body[0].title, 'changing in place', 'answered at once with the page built last');
    await waitFor('the page built behind it', async () => (await call(base, 'GET', '/posts?limit=3')).body[0].title === 'changed in place');

    await redis.set(postKey(post._id), JSON.stringify({ ...cached, title: 'changed again', version: cached.version + 2 }));
    await bumpPostsGeneration();
    const fresh = await call(base, 'GET', `/posts?limit=3&token=${lastToken}`);
    assert.equal(fresh.body[0].title, 'changed again', 'a read with a token waits for the page of the new generation');
  });

  test('PUT, like and DELETE /posts/:id', async () => {
    const post = await newPost(author.id, 'to change');
    const put = await call(base, 'PUT', `/posts/${post._id}`, { title: 'changed', tags: ['a', 'b'] });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.title, 'changed');
    assert.equal((await call(base, 'PUT', `/posts/${post._id}`, {})).status, 400);

    const like = await call(base, 'POST', `/posts/${post._id}/like`);
    assert.equal(like.status, 200, like.text);
    assert.equal(like.body.meta.likes, 1);
    const named = await call(base, 'POST', `/posts/${post._id}/like`, { userId: author.id });
    assert.equal(named.body.meta.likes, 2);
    assert.equal((await call(base, 'POST', `/posts/${post._id}/like`, { userId: 'me' })).status, 400);

    const del = await call(base, 'DELETE', `/posts/${post._id}`);
    assert.equal(del.status, 204);
    assert.equal((await call(base, 'GET', `/posts/${post._id}`)).status, 404);
    assert.equal((await call(base, 'PUT', `/posts/${post._id}`, { title: 'x' })).status, 404);
  });

  test('comments: add (the commenter must be a user), list, delete', async () => {
    const post = await newPost(author.id, 'discussed');
    const commenter = await newUser('Commenter');
    const ghost = await call(base, 'POST', `/posts/${post._id}/comments`, { author_id: 999999999999, body: 'boo' });
    assert.equal(ghost.status, 404);
    assert.equal(ghost.body.code, 'USER_NOT_FOUND');

    const added = await call(base, 'POST', `/posts/${post._id}/comments`, { author_id: commenter.id, body: 'nice' });
    assert.equal(added.status, 201, added.text);
    assert.equal(added.body.author_id, commenter.id);
    const list = await call(base, 'GET', `/posts/${post._id}/comments`);
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.map((c: { id: string }) => c.id), [added.body.id]);

    assert.equal((await call(base, 'DELETE', `/posts/${post._id}/comments/${added.body.id}`)).status, 204);
    const again = await call(base, 'DELETE', `/posts/${post._id}/comments/${added.body.id}`);
    assert.equal(again.status, 404);
    assert.equal(again.body.code, 'COMMENT_NOT_FOUND');
    assert.equal((await call(base, 'GET', '/posts/0123456789abcdef01234567/comments')).status, 404);
  });

  test('operators are rejected, look-alike text is stored verbatim, nothing answers 5xx', async () => {
    const verbatim = '{"$where": "sleep(1000)"} MATCH (n) DETACH DELETE n; DROP TABLE posts;--';
    const post = await newPost(author.id, verbatim, { body: verbatim });
    assert.equal((await call(base, 'GET', `/posts/${post._id}`)).body.title, verbatim);
    for (const body of [
      { author_id: author.id, title: 't', body: 'b', meta: { $where: '1' } },
      { author_id: author.id, title: 't', body: 'b', meta: { 'a.b': 1 } },
      { author_id: author.id, title: 't', body: 'b', tags: ['$gt'] },
      { author_id: { $ne: null }, title: 't', body: 'b' },
      { author_id: author.id, title: { $gt: '' }, body: 'b' },
    ]) {
      const r = await call(base, 'POST', '/posts', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.text}`);
    }
    const r = await call(base, 'PUT', `/posts/${post._id}`, { $set: { author_id: 1 } });
    assert.equal(r.status, 400);
  });
});

describe('posts with Redis down', () => {
  let gateway: RunningGateway;
  before(async () => {
    gateway = await startGateway({ REDIS_URL: 'redis://127.0.0.1:1', USERS_URL: stack.services.users!, POSTS_URL: stack.services.posts! });
  });
  after(() => gateway?.stop());

  test('GET /posts: the ids from the listing (the state store), the posts and authors from the services', async () => {
    const author = await newUser('Uncached');
    const post = await newPost(author.id, 'no cache');
    const r = await call(`http://127.0.0.1:${gateway.port}`, 'GET', `/posts?limit=200&token=${lastToken}`);
    assert.equal(r.status, 200);
    const mine = r.body.find((p: { _id: string }) => p._id === post._id);
    assert.deepEqual(mine?.user, { id: author.id, name: author.name, email: author.email });
    assert.ok(r.headers.get('x-total-count'));
  });
});
