// Every change reaches every store that projects it, once, in order: driven
// through the gateway of the running system, checked in Neo4j, Redis and
// TimescaleDB directly.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { topics } from '@polyglot/contracts/topics';
import { userKey } from '@polyglot/contracts/cache-keys';
import { kafkaBrokers } from '@polyglot/platform/kafka';
import { waitFor } from '@polyglot/platform/wait-for';
import { api, createUser, cypher, eventCount, openStores, runId, type Stores } from './support.ts';

let stores: Stores;
before(() => {
  stores = openStores();
});
after(() => stores.close());

async function graphName(id: number): Promise<string | null | undefined> {
  const rows = await cypher<{ name: string | null }>(stores.neo4j, 'MATCH (u:User {id: $id}) RETURN u.name AS name', { id });
  return rows.length === 0 ? undefined : rows[0]!.name;
}

async function cachedName(id: number): Promise<string | undefined> {
  const raw = await stores.redis.get(userKey(id));
  return raw === null ? undefined : (JSON.parse(raw) as { name: string }).name;
}

describe('a user travels from PostgreSQL to Neo4j, Redis and TimescaleDB', () => {
  test('create, rename and delete reach every projection', async () => {
    const user = await createUser('traveller');
    await waitFor('the :User node has the name', async () => (await graphName(user.id)) === user.name, { timeoutMs: 20_000 });
    await waitFor('user:{id} in Redis is fresh', async () => (await cachedName(user.id)) === user.name, { timeoutMs: 20_000 });
    await waitFor('one USER_CREATED row', async () => (await eventCount(stores.timescale, 'USER_CREATED', user.id)) === 1, { timeoutMs: 20_000 });

    const renamed = `Renamed ${runId}`;
    const put = await api('PUT', `/users/${user.id}`, { email: user.email, name: renamed, password: null });
    assert.equal(put.status, 200);
    assert.ok(put.headers.get('x-consistency-token'), 'a write carries its consistency token');
    await waitFor('the new name reaches Neo4j', async () => (await graphName(user.id)) === renamed, { timeoutMs: 20_000 });
    await waitFor('the new name reaches the cache', async () => (await cachedName(user.id)) === renamed, { timeoutMs: 20_000 });
    await waitFor('one USER_UPDATED row', async () => (await eventCount(stores.timescale, 'USER_UPDATED', user.id)) === 1, { timeoutMs: 20_000 });

    assert.equal((await api('DELETE', `/users/${user.id}`)).status, 204);
    await waitFor('the node is gone from Neo4j', async () => (await graphName(user.id)) === undefined, { timeoutMs: 20_000 });
    await waitFor('the cache entry is gone', async () => (await cachedName(user.id)) === undefined, { timeoutMs: 20_000 });
    await waitFor('one USER_DELETED row', async () => (await eventCount(stores.timescale, 'USER_DELETED', user.id)) === 1, { timeoutMs: 20_000 });
    // Exactly once: nothing was counted twice on the way.
    assert.equal(await eventCount(stores.timescale, 'USER_CREATED', user.id), 1);
  });

  test('a burst of renames ends with the last name everywhere', async () => {
    const user = await createUser('burst');
    const names = Array.from({ length: 25 }, (_, i) => `Burst ${runId} #${i}`);
    // Sequential writes: PostgreSQL orders them, the pipeline must keep that order per key.
    for (const name of names) assert.equal((await api('PUT', `/users/${user.id}`, { email: user.email, name })).status, 200);
    const last = names.at(-1)!;
    await waitFor('Neo4j ends with the last name', async () => (await graphName(user.id)) === last, { timeoutMs: 20_000 });
    await waitFor('Redis ends with the last name', async () => (await cachedName(user.id)) === last, { timeoutMs: 20_000 });
    await waitFor('every rename recorded once', async () => (await eventCount(stores.timescale, 'USER_UPDATED', user.id)) === names.length, { timeoutMs: 20_000 });
    // Nothing rolls back: a later rename of the same user (one key, one partition) comes after any
    // straggler, so once it is everywhere, no older name can come back.
    const sentinel = `Burst ${runId} sentinel`;
    assert.equal((await api('PUT', `/users/${user.id}`, { email: user.email, name: sentinel })).status, 200);
    await waitFor('Neo4j and Redis with the sentinel name', async () => (await graphName(user.id)) === sentinel && (await cachedName(user.id)) === sentinel, { timeoutMs: 20_000 });
    await waitFor('the sentinel rename recorded', async () => (await eventCount(stores.timescale, 'USER_UPDATED', user.id)) >= names.length + 1, { timeoutMs: 20_000 });
    assert.equal(await eventCount(stores.timescale, 'USER_UPDATED', user.id), names.length + 1, 'every rename recorded once');
    assert.equal((await api('DELETE', `/users/${user.id}`)).status, 204);
  });
});

describe('posts, likes, comments and follows', () => {
  test('each reaches the graph, the cache and analytics; the feed shows a followee\'s new post; deleting a user cascades', async () => {
    const alice = await createUser('alice');
    const bob = await createUser('bob');
    const carol = await createUser('carol');

    assert.equal((await api('POST', '/follow', { followerId: alice.id, followeeId: bob.id })).status, 201);
    assert.equal((await api('POST', '/follow', { followerId: carol.id, followeeId: bob.id })).status, 201);
    await waitFor('FOLLOW_CREATED recorded', async () => (await eventCount(stores.timescale, 'FOLLOW_CREATED', alice.id)) === 1, { timeoutMs: 20_000 });
    // Lists are a page at most (LIST_LIMIT): start just before the first of these users.
    const from = `${Math.min(alice.id, bob.id, carol.id) - 1}:${Number.MAX_SAFE_INTEGER}`;
    const relationships = await api('GET', `/relationships?after=${from}`);
    assert.ok(relationships.body.some((r: any) => r.followerId === alice.id && r.followeeId === bob.id && r.followeeName === bob.name));

    const emptyFeed = await api('GET', `/users/${alice.id}/feed`);
    assert.equal(emptyFeed.status, 200);
    const created = await api('POST', '/posts', { author_id: bob.id, title: `Hello ${runId}`, body: 'first post', tags: ['e2e'] });
    assert.equal(created.status, 201);
    const postId: string = created.body._id;
    await waitFor(':POSTED edge in Neo4j', async () => (await cypher(stores.neo4j, 'MATCH (:User {id: $a})-[:POSTED]->(:Post {id: $p}) RETURN 1 AS x', { a: bob.id, p: postId })).length === 1, { timeoutMs: 20_000 });
    await waitFor('POST_CREATED recorded', async () => (await eventCount(stores.timescale, 'POST_CREATED', postId)) === 1, { timeoutMs: 20_000 });
    await waitFor('the follower\'s feed shows the new post', async () => {
      const feed = await api('GET', `/users/${alice.id}/feed`);
      return feed.body.some((p: any) => p._id === postId && p.user?.name === bob.name);
    }, { timeoutMs: 20_000 });

    assert.equal((await api('POST', `/posts/${postId}/like`, { userId: alice.id })).status, 200);
    const comment = await api('POST', `/posts/${postId}/comments`, { author_id: carol.id, body: 'nice' });
    assert.equal(comment.status, 201);
    await waitFor('POST_LIKED recorded', async () => (await eventCount(stores.timescale, 'POST_LIKED', postId)) === 1, { timeoutMs: 20_000 });
    await waitFor('COMMENT_CREATED recorded', async () => (await eventCount(stores.timescale, 'COMMENT_CREATED', postId)) === 1, { timeoutMs: 20_000 });
    // Lists come from the cache projection, which may apply the changes after analytics has.
    await waitFor('the list shows the like and the comment', async () => {
      const mine = (await api('GET', '/posts?limit=200')).body.find((p: any) => p._id === postId);
      return mine?.meta.likes === 1 && mine?.comments_count === 1;
    }, { timeoutMs: 20_000 });

    assert.equal((await api('DELETE', '/follow', { followerId: carol.id, followeeId: bob.id })).status, 204);
    await waitFor('FOLLOW_DELETED recorded', async () => (await eventCount(stores.timescale, 'FOLLOW_DELETED', carol.id)) === 1, { timeoutMs: 20_000 });
    await waitFor('the unfollower\'s feed drops the post', async () => !(await api('GET', `/users/${carol.id}/feed`)).body.some((p: any) => p._id === postId), { timeoutMs: 20_000 });

    // Deleting bob: his posts and the follows touching him go too, through the pipeline.
    assert.equal((await api('DELETE', `/users/${bob.id}`)).status, 204);
    await waitFor('bob is gone from Neo4j with his follows', async () => (await cypher(stores.neo4j, 'MATCH (u:User {id: $id}) RETURN u', { id: bob.id })).length === 0, { timeoutMs: 20_000 });
    await waitFor('alice\'s follow of bob ended with a FOLLOW_DELETED event', async () => (await eventCount(stores.timescale, 'FOLLOW_DELETED', alice.id)) === 1, { timeoutMs: 20_000 });
    await waitFor('bob\'s post is deleted', async () => (await api('GET', `/posts/${postId}`)).status === 404, { timeoutMs: 20_000 });
    await waitFor('POST_DELETED recorded', async () => (await eventCount(stores.timescale, 'POST_DELETED', postId)) === 1, { timeoutMs: 20_000 });
    await waitFor('the post node is gone from Neo4j', async () => (await cypher(stores.neo4j, 'MATCH (p:Post {id: $p}) RETURN p', { p: postId })).length === 0, { timeoutMs: 20_000 });
    await waitFor('bob\'s cache entry is gone', async () => (await stores.redis.get(userKey(bob.id))) === null, { timeoutMs: 20_000 });
    await waitFor('USER_DELETED recorded', async () => (await eventCount(stores.timescale, 'USER_DELETED', bob.id)) === 1, { timeoutMs: 20_000 });
    assert.ok(!(await api('GET', `/relationships?after=${from}`)).body.some((r: any) => r.followeeId === bob.id || r.followerId === bob.id));

    for (const u of [alice, carol]) assert.equal((await api('DELETE', `/users/${u.id}`)).status, 204);
  });
});

describe('a poisoned message', () => {
  test('lands in the dead-letter topic and the next message is still projected', async () => {
    const producer = new Producer({ clientId: 'e2e-poison', bootstrapBrokers: kafkaBrokers(), serializers: stringSerializers });
    const poisonKey = `poison-${runId}`;
    try {
      await producer.send({ messages: [{ topic: topics.postChanges, key: poisonKey, value: `{"this is": not json ${runId}` }] });
    } finally {
      await producer.close();
    }
    const author = await createUser('after-poison');
    const post = await api('POST', '/posts', { author_id: author.id, title: 'after the poison', body: '' });
    assert.equal(post.status, 201);
    await waitFor('the post after the poison is projected', async () => (await eventCount(stores.timescale, 'POST_CREATED', post.body._id)) === 1, { timeoutMs: 20_000 });
    const letters = await waitFor('the poison is listed by every projection that read it', async () => {
      const list = await api('GET', '/pipeline/dead-letters?limit=1000');
      const mine = list.body.filter((l: any) => l.key === poisonKey);
      const groups = new Set(mine.map((l: any) => l.group));
      return groups.has('projector-graph') && groups.has('projector-analytics') && groups.has('projector-cache') ? mine : false;
    }, { timeoutMs: 20_000 });
    assert.ok(letters.every((l: any) => /does not parse/.test(l.error) && l.topic === topics.postChanges));
    assert.equal((await api('DELETE', `/users/${author.id}`)).status, 204);
  });
});
