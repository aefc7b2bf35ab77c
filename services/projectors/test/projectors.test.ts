// The projectors process against the real Redis and Kafka: the profile cache
// follows the users log in order and ignores the past, pages are invalidated,
// and the dead-letter index lists what the pipeline gave up on.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { feedGenerationKey, POSTS_GENERATION_KEY, userKey, userTombstoneKey } from '@polyglot/contracts/cache-keys';
import { urls } from '@polyglot/contracts/endpoints';
import { consumerGroups, PIPELINE_TOPICS, topics } from '@polyglot/contracts/topics';
import { internalHeaders } from '@polyglot/platform/internal-secret';
import { createProducer, type DeadLetter, type StringProducer } from '@polyglot/platform/kafka';
import { waitFor } from '@polyglot/platform/wait-for';
import { deleteTestGroups, testGroupAtEnd, testGroupName } from '@polyglot/platform/test-fixtures/consumer-group';
import { start, type Running } from '../src/app.ts';
import { loadProjectorsConfig } from '../src/config.ts';
import { retireTestUsers, capturedPost } from '@polyglot/contracts/test-fixtures/message-builders';
import { debeziumChange, nextLsn, outboxEvent, produce, testPostId, testUserId, waitUntilConsumed } from './pipeline.ts';

const logger = pino({ level: 'silent' });
const PIPELINE_WAIT = 20_000;
// Groups of their own: the running projectors process keeps its partitions and its dead-letter index.
let group: string;
const indexGroup = testGroupName(consumerGroups.deadLetterIndex);

let app: Running;
let base: string;
let redis: Redis;
/** Tombstones and generations live in the state store. */
let state: Redis;
let producer: StringProducer;
const keys: string[] = [];
/** Test users named only as authors: retired on the users topic at the end. */
const mentioned: number[] = [];

async function cachedUser(id: number): Promise<{ name: string; position: number } | null> {
  const raw = await redis.get(userKey(id));
  return raw === null ? null : (JSON.parse(raw) as { name: string; position: number });
}
const counter = async (key: string) => Number((await state.get(key)) ?? 0);

before(async () => {
  group = await testGroupAtEnd(consumerGroups.cacheProjector, PIPELINE_TOPICS);
  app = await start(loadProjectorsConfig({ PORT: '0', LOG_LEVEL: 'silent', CACHE_PROJECTION_GROUP: group, DEAD_LETTER_INDEX_GROUP: indexGroup }), { logger });
  base = `http://127.0.0.1:${app.port}`;
  redis = new Redis(urls.redis, { maxRetriesPerRequest: 1 });
  state = new Redis(urls.redisState, { maxRetriesPerRequest: 1 });
  producer = createProducer('projectors-test');
});

after(async () => {
  // The projection first, so nothing is written after the clean-up.
  await app.stop();
  await deleteTestGroups(group, indexGroup);
  await retireTestUsers(producer, mentioned);
  await producer.close();
  if (keys.length > 0) {
    await redis.del(...keys);
    await state.del(...keys);
  }
  // Other test files (analytics') send synthetic changes through the same topics, which this
  // projection caches too; they all use ids from 900000000 up, which real users never reach.
  for (const [client, patterns] of [[redis, ['user:9????????']], [state, ['user:9????????:deleted', 'feed:gen:9????????']]] as const) {
    for (const pattern of patterns) {
      for await (const found of client.scanStream({ match: pattern, count: 1000 }) as AsyncIterable<string[]>) if (found.length > 0) await client.del(...found);
    }
  }
  redis.disconnect();
  state.disconnect();
});

describe('the user profile cache', () => {
  const id = testUserId();
  const key = JSON.stringify({ id });
  const createdAt = nextLsn();
  const updatedAt = nextLsn();
  const deletedAt = nextLsn();
  const created = debeziumChange('c', id, 'Grace', createdAt);
  const updated = debeziumChange('u', id, 'Grace Hopper', updatedAt);
  keys.push(userKey(id), userTombstoneKey(id));

  test('USER_CREATED then USER_UPDATED → the cache holds the new name, and pages are invalidated', async () => {
    const generation = await counter(POSTS_GENERATION_KEY);
    await produce(producer, topics.userChanges, key, created);
    await produce(producer, topics.userChanges, key, updated);
    await waitFor('the updated profile', async () => (await cachedUser(id))?.name === 'Grace Hopper', { timeoutMs: PIPELINE_WAIT });
    const cached = await cachedUser(id);
    assert.equal(cached?.position, updatedAt);
    assert.equal(await redis.ttl(userKey(id)), -1, 'profiles have no TTL');
    assert.ok((await counter(POSTS_GENERATION_KEY)) >= generation + 2, 'each user change bumps posts:gen');
  });

  test('the older change replayed → still the new name', async () => {
    const replay = await produce(producer, topics.userChanges, key, created);
    await waitUntilConsumed(group, replay, PIPELINE_WAIT);
    assert.equal((await cachedUser(id))?.name, 'Grace Hopper');
    assert.equal((await cachedUser(id))?.position, updatedAt);
  });

  test('USER_DELETED → gone, with a tombstone; a replayed create does not resurrect it', async () => {
    await produce(producer, topics.userChanges, key, debeziumChange('d', id, 'Grace Hopper', deletedAt));
    await waitFor('the profile to go', async () => (await redis.exists(userKey(id))) === 0, { timeoutMs: PIPELINE_WAIT });
    assert.equal(await state.get(userTombstoneKey(id)), String(deletedAt));
    const ttl = await state.ttl(userTombstoneKey(id));
    assert.ok(ttl > 3500 && ttl <= 3600, `tombstone TTL ${ttl}`);

    await produce(producer, topics.userChanges, key, null);
    await produce(producer, topics.userChanges, key, created);
    const lastReplay = await produce(producer, topics.userChanges, key, updated);
    await waitUntilConsumed(group, lastReplay, PIPELINE_WAIT);
    assert.equal(await redis.exists(userKey(id)), 0);
  });
});

describe('page invalidation', () => {
  test('a post event bumps posts:gen', async () => {
    const generation = await counter(POSTS_GENERATION_KEY);
    const postId = testPostId();
    const author = testUserId();
    mentioned.push(author);
    await produce(producer, topics.postChanges, null, capturedPost(outboxEvent('POST_CREATED', postId, author, { _id: postId, author_id: author, title: 't', body: 'b' })));
    await waitFor('posts:gen to move', async () => (await counter(POSTS_GENERATION_KEY)) > generation, { timeoutMs: PIPELINE_WAIT });
    // Leaves nothing behind in the other projections, which read the same topic.
    await produce(producer, topics.postChanges, null, capturedPost(outboxEvent('POST_DELETED', postId, author, { _id: postId, author_id: author }, 2)));
  });

  test('a follow event bumps feed:gen:{followerId}, and nobody else’s', async () => {
    const follower = testUserId();
    const followee = testUserId();
    keys.push(feedGenerationKey(follower), feedGenerationKey(followee));
    await produce(producer, topics.graphEvents, String(follower), outboxEvent('FOLLOW_CREATED', String(follower), follower, { followerId: follower, followeeId: followee }));
    await waitFor('the follower feed generation', async () => (await counter(feedGenerationKey(follower))) === 1, { timeoutMs: PIPELINE_WAIT });
    const unfollow = await produce(producer, topics.graphEvents, String(follower), outboxEvent('FOLLOW_DELETED', String(follower), follower, { followerId: follower, followeeId: followee }, 2));
    await waitUntilConsumed(group, unfollow, PIPELINE_WAIT);
    assert.equal(await counter(feedGenerationKey(follower)), 2);
    assert.equal(await state.exists(feedGenerationKey(followee)), 0);
  });
});

describe('the dead-letter index', () => {
  test('lists a garbage message sent to a pipeline topic, newest first', async () => {
    const garbageKey = `garbage-${testPostId()}`;
    const garbage = await produce(producer, topics.postChanges, garbageKey, 'not json');
    const ours = (l: DeadLetter) => l.group === group && l.topic === topics.postChanges && l.partition === garbage.partition && l.offset === String(garbage.offset);
    let letters: DeadLetter[] = [];
    await waitFor('the garbage message in GET /dead-letters', async () => {
        letters = (await (await fetch(`${base}/dead-letters?limit=1000`, { headers: internalHeaders() })).json()) as DeadLetter[];
        return letters.some(ours);
      }, { timeoutMs: PIPELINE_WAIT });
    const letter = letters.find(ours);
    assert.equal(letter?.value, 'not json');
    assert.equal(letter?.key, garbageKey);
    assert.equal(letter?.attempts, 1);
    assert.match(letter?.error ?? '', /does not parse/);
    const times = letters.map((l) => l.failedAt);
    assert.deepEqual(times, [...times].sort().reverse(), 'newest first');

    const one = (await (await fetch(`${base}/dead-letters?limit=1`, { headers: internalHeaders() })).json()) as DeadLetter[];
    assert.equal(one.length, 1);
  });

  test('a bad limit → 400 {error, code}', async () => {
    const response = await fetch(`${base}/dead-letters?limit=0`, { headers: internalHeaders() });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { code: string }).code, 'VALIDATION_FAILED');
  });
});

describe('health', () => {
  test('GET /health → 200 with the projection counters and the dead-letter count', async () => {
    const response = await fetch(`${base}/health`, { headers: internalHeaders() });
    const body = (await response.json()) as {
      status: string;
      checks: { redis: string; redisState: string };
      projection: { running: boolean; lag: number | null; processed: number; deadLettered: number; lastAppliedAt: string | null; latency: { count: number } };
      deadLetters: number;
    };
    assert.equal(response.status, 200);
    assert.equal(body.status, 'ok');
    assert.equal(body.projection.running, true);
    assert.ok(body.projection.latency.count >= 1, 'commit → applied latency is measured');
    assert.deepEqual(body.checks, { redis: 'ok', redisState: 'ok' });
    assert.ok(body.projection.processed >= 1);
    assert.ok(body.projection.deadLettered >= 1);
    assert.equal(typeof body.projection.lag, 'number');
    assert.ok(body.projection.lastAppliedAt);
    assert.ok(body.deadLetters >= 1);
  });

  test('Redis unreachable → /health 503 naming it, fast', async () => {
    const down = await start(loadProjectorsConfig({ PORT: '0', REDIS_URL: 'redis://127.0.0.1:1', CONSUMERS: 'off', LOG_LEVEL: 'silent' }), { logger });
    try {
      const started = Date.now();
      const response = await fetch(`http://127.0.0.1:${down.port}/health`, { headers: internalHeaders() });
      assert.equal(response.status, 503);
      const body = (await response.json()) as { status: string; checks: { redis: string; redisState: string }; code: string; error: string };
      assert.equal(body.status, 'degraded');
      assert.deepEqual(body.checks, { redis: 'unavailable', redisState: 'ok' });
      assert.equal(body.code, 'STORE_UNAVAILABLE');
      assert.match(body.error, /^the cache store \(Redis\) is unavailable/);
      assert.ok(Date.now() - started < 3000, `answered in ${Date.now() - started} ms`);
    } finally {
      await down.stop();
    }
  });

  test('the state store unreachable → /health 503 naming it, fast', async () => {
    const down = await start(loadProjectorsConfig({ PORT: '0', STATE_REDIS_URL: 'redis://127.0.0.1:1', CONSUMERS: 'off', LOG_LEVEL: 'silent' }), { logger });
    try {
      const started = Date.now();
      const response = await fetch(`http://127.0.0.1:${down.port}/health`, { headers: internalHeaders() });
      assert.equal(response.status, 503);
      const body = (await response.json()) as { checks: { redis: string; redisState: string }; code: string; error: string };
      assert.deepEqual(body.checks, { redis: 'ok', redisState: 'unavailable' });
      assert.equal(body.code, 'STORE_UNAVAILABLE');
      assert.match(body.error, /^the state store \(Redis\) is unavailable/);
      assert.ok(Date.now() - started < 3000, `answered in ${Date.now() - started} ms`);
    } finally {
      await down.stop();
    }
  });
});
