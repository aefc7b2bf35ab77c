// /follow, /relationships and /users/:id/feed through the gateway, against the
// real users, posts and graph services (Neo4j) and Redis.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { feedGenerationKey, feedPageKey, POSTS_GENERATION_KEY, userKey } from '@polyglot/contracts/cache-keys';
import { waitFor } from '@polyglot/platform/wait-for';
import { call, redisClient, startStack, stateRedisClient, uniqueEmail, type Stack } from './support.ts';

const stack: Stack = await startStack({ services: ['users', 'posts', 'graph', 'cacheProjection'] });
const base = stack.url;
const redis = redisClient();
/** The generations are state. */
const state = stateRedisClient();
const users: number[] = [];
const posts: string[] = [];
const follows: Array<[number, number]> = [];

after(async () => {
  for (const [followerId, followeeId] of follows) await call(base, 'DELETE', '/follow', { followerId, followeeId }).catch(() => undefined);
  for (const id of posts) await call(base, 'DELETE', `/posts/${id}`).catch(() => undefined);
  for (const id of users) {
    await call(base, 'DELETE', `/users/${id}`).catch(() => undefined);
    await redis.del(userKey(id));
    await state.del(feedGenerationKey(id));
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

async function followUser(followerId: number, followeeId: number): Promise<void> {
  const r = await call(base, 'POST', '/follow', { followerId, followeeId });
  assert.equal(r.status, 201, r.text);
  follows.push([followerId, followeeId]);
}

describe('follows and relationships', () => {
  let ann: { id: number; name: string };
  let ben: { id: number; name: string };
  before(async () => {
    ann = await newUser('Ann');
    ben = await newUser('Ben');
  });

  test('POST /follow answers 201 when new and 200 when it already existed', async () => {
    const first = await call(base, 'POST', '/follow', { followerId: ann.id, followeeId: ben.id });
    assert.equal(first.status, 201, first.text);
    follows.push([ann.id, ben.id]);
    const { consistency, ...follow } = first.body;
    assert.deepEqual(follow, { followerId: ann.id, followeeId: ben.id, created: true });
    assert.match(consistency.token, new RegExp(`^graph:${ann.id}:[0-9]+$`), "the follow's place in the graph outbox");
    assert.equal(consistency.mode, 'eventual');
    const again = await call(base, 'POST', '/follow', { followerId: ann.id, followeeId: ben.id });
    assert.equal(again.status, 200);
    assert.equal(again.body.created, false);
  });

  test('POST /follow names the id that is not a user (404 USER_NOT_FOUND); to oneself is 400 SELF_FOLLOW', async () => {
    const follower = await call(base, 'POST', '/follow', { followerId: 999999999999, followeeId: ben.id });
    assert.equal(follower.status, 404);
    assert.deepEqual(follower.body, { error: 'followerId 999999999999 is not a user', code: 'USER_NOT_FOUND' });
    const followee = await call(base, 'POST', '/follow', { followerId: ann.id, followeeId: 999999999998 });
    assert.equal(followee.status, 404);
    assert.match(followee.body.error, /^followeeId 999999999998/);
    const self = await call(base, 'POST', '/follow', { followerId: ann.id, followeeId: ann.id });
    assert.equal(self.status, 400);
    assert.equal(self.body.code, 'SELF_FOLLOW');
  });

  test('GET /relationships lists the follow with both names (from the profile cache when the graph has none)', async () => {
    // Lists are a page at most (LIST_LIMIT): start just before this follower.
    const r = await call(base, 'GET', `/relationships?after=${ann.id - 1}:${Number.MAX_SAFE_INTEGER}`);
    assert.equal(r.status, 200);
    assert.ok(Array.isArray(r.body));
    const edge = r.body.find((e: { followerId: number; followeeId: number }) => e.followerId === ann.id && e.followeeId === ben.id);
    assert.deepEqual(edge, { followerId: ann.id, followerName: 'Ann', followeeId: ben.id, followeeName: 'Ben' });
  });

  test('GET /relationships is a page at most, by follower then followee, with a Link that goes on where it stopped', async () => {
    const fan = await newUser('Fan');
    const [x, y, z] = [await newUser('X'), await newUser('Y'), await newUser('Z')];
    for (const star of [x, y, z]) await followUser(fan.id, star.id);
    const from = `${fan.id - 1}:${Number.MAX_SAFE_INTEGER}`;
    const first = await call(base, 'GET', `/relationships?after=${from}&limit=2`);
    assert.equal(first.status, 200);
    assert.deepEqual(first.body.map((r: { followerId: number; followeeId: number }) => [r.followerId, r.followeeId]), [[fan.id, x.id], [fan.id, y.id]]);
    const next = new URL(/^<([^>]+)>; rel="next"$/.exec(first.headers.get('link') ?? '')![1]!);
    assert.equal(next.searchParams.get('after'), `${fan.id}:${y.id}`);
    const second = await call(base, 'GET', `${next.pathname}${next.search}`);
    assert.deepEqual([second.body[0].followerId, second.body[0].followeeId], [fan.id, z.id]);
    for (const q of ['after=1', 'after=a:b', 'after=0:1', 'limit=0', 'limit=10001', 'userId=0', 'userId=x']) assert.equal((await call(base, 'GET', `/relationships?${q}`)).status, 400, q);
  });

  test('GET /relationships?userId= lists only the follows that user is in, both ways, and pages them', async () => {
    const hub = await newUser('Hub');
    const [fan, star, other] = [await newUser('HubFan'), await newUser('HubStar'), await newUser('Other')];
    await followUser(fan.id, hub.id);
    await followUser(hub.id, star.id);
    await followUser(fan.id, other.id);
    const pairs = (body: Array<{ followerId: number; followeeId: number }>) => body.map((r) => [r.followerId, r.followeeId]);
    const all = await call(base, 'GET', `/relationships?userId=${hub.id}`);
    assert.equal(all.status, 200);
    assert.deepEqual(pairs(all.body), [[hub.id, star.id], [fan.id, hub.id]].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!));
    const first = await call(base, 'GET', `/relationships?userId=${hub.id}&limit=1`);
    const next = new URL(/^<([^>]+)>; rel="next"$/.exec(first.headers.get('link') ?? '')![1]!);
    assert.equal(next.searchParams.get('userId'), String(hub.id));
    const second = await call(base, 'GET', `${next.pathname}${next.search}`);
    assert.deepEqual([...pairs(first.body), ...pairs(second.body)], pairs(all.body));
    const graphql = await call(base, 'POST', '/graphql', { query: 'query ($u: SafeInt) { relationships(userId: $u) { followerId followeeId } }', variables: { u: String(hub.id) } });
    assert.deepEqual(pairs(graphql.body.data.relationships), pairs(all.body));
  });

  test('DELETE /follow answers 204, then 404 FOLLOW_NOT_FOUND', async () => {
    const carl = await newUser('Carl');
    await followUser(carl.id, ann.id);
    const del = await call(base, 'DELETE', '/follow', { followerId: carl.id, followeeId: ann.id });
    assert.equal(del.status, 204);
    const again = await call(base, 'DELETE', '/follow', { followerId: carl.id, followeeId: ann.id });
    assert.equal(again.status, 404);
    assert.equal(again.body.code, 'FOLLOW_NOT_FOUND');
  });

  test("Cypher metacharacters in names reach the graph's relationships verbatim", async () => {
    const odd = await newUser("x'}) DETACH DELETE (n) //");
    await followUser(odd.id, ann.id);
    const r = await call(base, 'GET', `/relationships?after=${odd.id - 1}:${Number.MAX_SAFE_INTEGER}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.find((e: { followerId: number }) => e.followerId === odd.id)?.followerName, "x'}) DETACH DELETE (n) //");
  });
});

describe('feed', () => {
  test('GET /users/:id/feed: newest posts of the followees only, with authors; cached under both generations', async () => {
    const reader = await newUser('Reader');
    const [writer1, writer2, stranger] = [await newUser('Writer1'), await newUser('Writer2'), await newUser('Stranger')];
    await followUser(reader.id, writer1.id);
    await followUser(reader.id, writer2.id);
    const writer3 = await newUser('Writer3');
    let token = '';
    for (const [author, title] of [
      [writer1, 'w1 first'],
      [stranger, 'not followed'],
      [writer2, 'w2 first'],
      [writer3, 'w3 post'],
      [writer1, 'w1 second'],
    ] as const) {
      const r = await call(base, 'POST', '/posts', { author_id: author.id, title, body: 'b' });
      assert.equal(r.status, 201);
      posts.push(r.body._id);
      token = r.headers.get('x-consistency-token') ?? '';
    }

    // The token of the last post: the read waits until the cache projection has listed them all.
    const feed = await call(base, 'GET', `/users/${reader.id}/feed?limit=10&token=${token}`);
    assert.equal(feed.status, 200, feed.text);
    assert.deepEqual(
      feed.body.map((p: { title: string }) => p.title),
      ['w1 second', 'w2 first', 'w1 first'],
    );
    assert.deepEqual(feed.body[1].user, { id: writer2.id, name: 'Writer2', email: writer2.email });
    assert.equal(feed.headers.get('x-total-count'), '3');

    const [postsGen, feedGen] = (await state.mget(POSTS_GENERATION_KEY, feedGenerationKey(reader.id))).map((v) => Number(v ?? 0));
    const key = feedPageKey(reader.id, postsGen!, feedGen!, 10);
    assert.ok(await redis.exists(key), `feed cached under ${key}`);

    // A new follow is not visible until the cache projection bumps the feed generation.
    await followUser(reader.id, writer3.id);
    const stale = await call(base, 'GET', `/users/${reader.id}/feed?limit=10`);
    const generationsNow = (await state.mget(POSTS_GENERATION_KEY, feedGenerationKey(reader.id))).map((v) => Number(v ?? 0));
    assert.equal(stale.body.length, 3, `served from the cache (generations ${postsGen}/${feedGen} when built, ${generationsNow.join('/')} now; page ${(await redis.exists(key)) ? 'still' : 'no longer'} in Redis)`);
    await state.incr(feedGenerationKey(reader.id));
    // Without a token a read may get the page built last while the new one builds behind it.
    const rebuilt = await waitFor('the feed built under the new generation', async () => {
      const r = await call(base, 'GET', `/users/${reader.id}/feed?limit=10`);
      return r.body.length === 4 ? r : null;
    });
    assert.deepEqual(
      rebuilt.body.map((p: { title: string }) => p.title),
      ['w1 second', 'w3 post', 'w2 first', 'w1 first'],
    );
    assert.equal(rebuilt.headers.get('x-total-count'), '4');
  });

  test('a user who follows nobody has an empty feed; an unknown user is 404 USER_NOT_FOUND; limit is checked', async () => {
    const loner = await newUser('Loner');
    const empty = await call(base, 'GET', `/users/${loner.id}/feed`);
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.body, []);
    const missing = await call(base, 'GET', '/users/999999999999/feed');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'USER_NOT_FOUND');
    assert.equal((await call(base, 'GET', `/users/${loner.id}/feed?limit=0`)).status, 400);
    assert.equal((await call(base, 'GET', `/users/${loner.id}/feed?limit=201`)).status, 400);
  });
});
