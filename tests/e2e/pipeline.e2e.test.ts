// Every change reaches every store that projects it, once, in order: driven
// through the gateway of the running system, checked in Neo4j, Redis and
// TimescaleDB directly.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { topics } from '../../packages/contracts/src/topics.ts';
import { userKey } from '../../packages/contracts/src/cache-keys.ts';
import { kafkaBrokers } from '../../packages/platform/src/kafka.ts';
import { api, createUser, cypher, eventCount, eventually, openStores, runId, type Stores } from './support.ts';

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
    await eventually('the :User node has the name', async () => (await graphName(user.id)) === user.name);
    await eventually('user:{id} in Redis is fresh', async () => (await cachedName(user.id)) === user.name);
    await eventually('one USER_CREATED row', async () => (await eventCount(stores.timescale, 'USER_CREATED', user.id)) === 1);

    const renamed = `Renamed ${runId}`;
    const put = await api('PUT', `/users/${user.id}`, { email: user.email, name: renamed, password: null });
    assert.equal(put.status, 200);
    assert.ok(put.headers.get('x-consistency-token'), 'a write carries its consistency token');
    await eventually('the new name reaches Neo4j', async () => (await graphName(user.id)) === renamed);
    await eventually('the new name reaches the cache', async () => (await cachedName(user.id)) === renamed);
    await eventually('one USER_UPDATED row', async () => (await eventCount(stores.timescale, 'USER_UPDATED', user.id)) === 1);

    assert.equal((await api('DELETE', `/users/${user.id}`)).status, 204);
    await eventually('the node is gone from Neo4j', async () => (await graphName(user.id)) === undefined);
    await eventually('the cache entry is gone', async () => (await cachedName(user.id)) === undefined);
    await eventually('one USER_DELETED row', async () => (await eventCount(stores.timescale, 'USER_DELETED', user.id)) === 1);
    // Exactly once: nothing was counted twice on the way.
    assert.equal(await eventCount(stores.timescale, 'USER_CREATED', user.id), 1);
  });

  test('a burst of renames ends with the last name everywhere', async () => {
    const user = await createUser('burst');
    const names = Array.from({ length: 25 }, (_, i) => `Burst ${runId} #${i}`);
    // Sequential writes: PostgreSQL orders them, the pipeline must keep that order per key.
    for (const name of names) assert.equal((await api('PUT', `/users/${user.id}`, { email: user.email, name })).status, 200);
    const last = names.at(-1)!;
    await eventually('Neo4j ends with the last name', async () => (await graphName(user.id)) === last);
    await eventually('Redis ends with the last name', async () => (await cachedName(user.id)) === last);
    await eventually('every rename recorded once', async () => (await eventCount(stores.timescale, 'USER_UPDATED', user.id)) === names.length);
    // Give any straggler a moment, then check nothing rolled back.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await graphName(user.id), last);
    assert.equal(await cachedName(user.id), last);
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
    await eventually('FOLLOW_CREATED recorded', async () => (await eventCount(stores.timescale, 'FOLLOW_CREATED', alice.id)) === 1);
    const relationships = await api('GET', '/relationships');
    assert.ok(relationships.body.some((r: any) => r.followerId === alice.id && r.followeeId === bob.id && r.followeeName === bob.name));

    const emptyFeed = await api('GET', `/users/${alice.id}/feed`);
    assert.equal(emptyFeed.status, 200);
    const created = await api('POST', '/posts', { author_id: bob.id, title: `Hello ${runId}`, body: 'first post', tags: ['e2e'] });
    assert.equal(created.status, 201);
    const postId: string = created.body._id;
    await eventually(':POSTED edge in Neo4j', async () => (await cypher(stores.neo4j, 'MATCH (:User {id: $a})-[:POSTED]->(:Post {id: $p}) RETURN 1 AS x', { a: bob.id, p: postId })).length === 1);
    await eventually('POST_CREATED recorded', async () => (await eventCount(stores.timescale, 'POST_CREATED', postId)) === 1);
    await eventually('the follower\'s feed shows the new post', async () => {
      const feed = await api('GET', `/users/${alice.id}/feed`);
      return feed.body.some((p: any) => p._id === postId && p.user?.name === bob.name);
    });

    assert.equal((await api('POST', `/posts/${postId}/like`, { userId: alice.id })).status, 200);
    const comment = await api('POST', `/posts/${postId}/comments`, { author_id: carol.id, body: 'nice' });
    assert.equal(comment.status, 201);
    await eventually('POST_LIKED recorded', async () => (await eventCount(stores.timescale, 'POST_LIKED', postId)) === 1);
    await eventually('COMMENT_CREATED recorded', async () => (await eventCount(stores.timescale, 'COMMENT_CREATED', postId)) === 1);
    const listed = await api('GET', '/posts?limit=200');
    const mine = listed.body.find((p: any) => p._id === postId);
    assert.equal(mine?.meta.likes, 1);
    assert.equal(mine?.comments_count, 1);

    assert.equal((await api('DELETE', '/follow', { followerId: carol.id, followeeId: bob.id })).status, 204);
    await eventually('FOLLOW_DELETED recorded', async () => (await eventCount(stores.timescale, 'FOLLOW_DELETED', carol.id)) === 1);
    await eventually('the unfollower\'s feed drops the post', async () => !(await api('GET', `/users/${carol.id}/feed`)).body.some((p: any) => p._id === postId));

    // Deleting bob: his posts and the follows touching him go too, through the pipeline.
    assert.equal((await api('DELETE', `/users/${bob.id}`)).status, 204);
    await eventually('bob is gone from Neo4j with his follows', async () => (await cypher(stores.neo4j, 'MATCH (u:User {id: $id}) RETURN u', { id: bob.id })).length === 0);
    await eventually('alice\'s follow of bob ended with a FOLLOW_DELETED event', async () => (await eventCount(stores.timescale, 'FOLLOW_DELETED', alice.id)) === 1);
    await eventually('bob\'s post is deleted', async () => (await api('GET', `/posts/${postId}`)).status === 404);
    await eventually('POST_DELETED recorded', async () => (await eventCount(stores.timescale, 'POST_DELETED', postId)) === 1);
    await eventually('the post node is gone from Neo4j', async () => (await cypher(stores.neo4j, 'MATCH (p:Post {id: $p}) RETURN p', { p: postId })).length === 0);
    await eventually('bob\'s cache entry is gone', async () => (await stores.redis.get(userKey(bob.id))) === null);
    await eventually('USER_DELETED recorded', async () => (await eventCount(stores.timescale, 'USER_DELETED', bob.id)) === 1);
    assert.ok(!(await api('GET', '/relationships')).body.some((r: any) => r.followeeId === bob.id || r.followerId === bob.id));

    for (const u of [alice, carol]) assert.equal((await api('DELETE', `/users/${u.id}`)).status, 204);
  });
});

describe('a poisoned message', () => {
  test('lands in the dead-letter topic and the next message is still projected', async () => {
    const producer = new Producer({ clientId: 'e2e-poison', bootstrapBrokers: kafkaBrokers(), serializers: stringSerializers });
    const poisonKey = `poison-${runId}`;
    try {
      await producer.send({ messages: [{ topic: topics.postEvents, key: poisonKey, value: `{"this is": not json ${runId}` }] });
    } finally {
      await producer.close();
    }
    const author = await createUser('after-poison');
    const post = await api('POST', '/posts', { author_id: author.id, title: 'after the poison', body: '' });
    assert.equal(post.status, 201);
    await eventually('the post after the poison is projected', async () => (await eventCount(stores.timescale, 'POST_CREATED', post.body._id)) === 1);
    const letters = await eventually('the poison is listed by every projection that read it', async () => {
      const list = await api('GET', '/pipeline/dead-letters?limit=1000');
      const mine = list.body.filter((l: any) => l.key === poisonKey);
      const groups = new Set(mine.map((l: any) => l.group));
      return groups.has('projector-graph') && groups.has('projector-analytics') && groups.has('projector-cache') ? mine : false;
    });
    assert.ok(letters.every((l: any) => /does not parse/.test(l.error) && l.topic === topics.postEvents));
    assert.equal((await api('DELETE', `/users/${author.id}`)).status, 204);
  });
});
