// The outbox relay in the graph service's process, against the real Neo4j and
// Kafka: events reach graph.events keyed by the follower, in seq order, and
// leave the outbox only once Kafka has them; a write wakes the relay with a
// call, without waiting for its poll. The writes go through an instance
// without a relay (api), so the events wait in the outbox until an instance
// with one starts. What a relay published ends deleted on the topic (the
// running stack's projections apply it too): the follows made here are undone
// through the API and a relay publishes that before the clean-up.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OutboxEvent } from '@polyglot/contracts/events';
import { topics } from '@polyglot/contracts/topics';
import { waitFor } from '@polyglot/platform/wait-for';
import { start, type RunningService } from '../src/app.ts';
import { cleanUp, graphConfig, http, openNeo4j, outboxFor, readTopic, silent, testUserIds, type Neo4jDriver } from './support.ts';

let api: RunningService;
let driver: Neo4jDriver;
const made: number[] = [];
/** Follows that may be on graph.events as FOLLOW_CREATED last. */
const followed: Array<[number, number]> = [];

before(async () => {
  driver = openNeo4j();
  api = await start(graphConfig(), { logger: silent });
});

after(async () => {
  for (const [followerId, followeeId] of followed) await http(api.port, 'DELETE', '/follow', { followerId, followeeId });
  const relay = await startWithRelay();
  try {
    await waitFor('the unfollows to be published', async () => (await outboxFor(driver, made)).length === 0, { timeoutMs: 15_000 });
  } finally {
    await relay.stop();
  }
  await api.stop();
  await cleanUp(driver, made);
  await driver.close();
});

/** The graph service with its outbox relay, as the stack runs it. */
function startWithRelay(env: Record<string, string> = {}): Promise<RunningService> {
  return start(graphConfig({ GRAPH_RELAY: 'on', ...env }), { logger: silent });
}

function users(count: number): number[] {
  const ids = testUserIds(count);
  made.push(...ids);
  return ids;
}

describe('the graph outbox relay', () => {
  test('publishes FOLLOW_CREATED, FOLLOW_DELETED, FOLLOW_CREATED keyed by the follower, in order, and empties the outbox', async () => {
    const [a, b] = users(2) as [number, number];
    followed.push([a, b]);
    assert.equal((await http(api.port, 'POST', '/follow', { followerId: a, followeeId: b })).status, 201);
    assert.equal((await http(api.port, 'DELETE', '/follow', { followerId: a, followeeId: b })).status, 204);
    assert.equal((await http(api.port, 'POST', '/follow', { followerId: a, followeeId: b })).status, 201);
    const pending = await outboxFor(driver, [a]);
    assert.equal(pending.length, 3, 'the events wait in the outbox until a relay runs');

    const relay = await startWithRelay();
    try {
      await waitFor('the outbox to empty', async () => (await outboxFor(driver, [a])).length === 0, { timeoutMs: 15_000 });
      const messages = await readTopic(
        topics.graphEvents,
        (key) => key === String(a),
        (found) => found.length >= 3,
      );
      assert.equal(messages.length, 3);
      const events = messages.map((m) => OutboxEvent.parse(JSON.parse(m.value ?? 'null')));
      assert.deepEqual(
        events.map((e) => e.type),
        ['FOLLOW_CREATED', 'FOLLOW_DELETED', 'FOLLOW_CREATED'],
      );
      assert.deepEqual(
        events.map((e) => e.eventId),
        pending.map((e) => e.eventId),
      );
      assert.deepEqual(
        events.map((e) => e.position),
        pending.map((e) => e.seq),
      );
      for (const event of events) {
        assert.equal(event.aggregate, 'follow');
        assert.equal(event.aggregateId, String(a));
        assert.equal(event.actorId, a);
        assert.deepEqual(event.data, { followerId: a, followeeId: b }, 'data is an object again, not JSON text');
      }
      assert.equal(new Set(messages.map((m) => m.partition)).size, 1, 'one key, one partition');

      const health = await http(relay.port, 'GET', '/health');
      assert.equal(health.status, 200);
      assert.equal(health.body.status, 'ok');
      assert.equal(health.body.relay.running, true);
      assert.ok(health.body.relay.published >= 3);
      assert.equal(typeof health.body.relay.backlog, 'number');
      assert.ok(health.body.relay.lastPublishedAt);
      assert.equal(health.body.relay.lastError, null);
      assert.equal(health.body.relay.deadLettered, 0);
    } finally {
      await relay.stop();
    }
  });

  test('while Kafka is unreachable the events stay in the outbox; they go once it answers', async () => {
    const [a, b] = users(2) as [number, number];
    const brokers = process.env.KAFKA_BROKERS;
    process.env.KAFKA_BROKERS = '127.0.0.1:1';
    followed.push([a, b]);
    const relay = await startWithRelay();
    try {
      assert.equal((await http(relay.port, 'POST', '/follow', { followerId: a, followeeId: b })).status, 201, 'the follow is committed with its event');
      await waitFor('the relay to report its failure', async () => (await http(relay.port, 'GET', '/health')).body.relay.lastError !== null || undefined, { timeoutMs: 15_000 });
      assert.equal((await outboxFor(driver, [a])).length, 1, 'still in the outbox');
      const health = await http(relay.port, 'GET', '/health');
      assert.equal(health.status, 200, 'the service and Neo4j are fine: Kafka away does not make it degraded');
      assert.equal(health.body.status, 'ok');
      assert.ok(health.body.relay.backlog >= 1, 'the backlog is visible');

      if (brokers === undefined) delete process.env.KAFKA_BROKERS;
      else process.env.KAFKA_BROKERS = brokers;
      await waitFor('the outbox to empty once Kafka answers', async () => (await outboxFor(driver, [a])).length === 0, { timeoutMs: 20_000 });
      const messages = await readTopic(
        topics.graphEvents,
        (key) => key === String(a),
        (found) => found.length >= 1,
      );
      assert.equal(messages.length, 1);
    } finally {
      if (brokers === undefined) delete process.env.KAFKA_BROKERS;
      else process.env.KAFKA_BROKERS = brokers;
      await relay.stop();
    }
  });

  test('a follow wakes the relay in its process: published at once, not at the next poll', async () => {
    const [a, b] = users(2) as [number, number];
    // A poll a minute apart: only the wake can publish within the wait below.
    const relay = await startWithRelay({ RELAY_POLL_MS: '60000' });
    try {
      // Its first round (whatever earlier runs left) is over: it is idle, waiting for a wake or the poll.
      await waitFor('the relay to go idle', async () => {
        const health = await http(relay.port, 'GET', '/health');
        return health.body.relay.running && health.body.relay.lastError === null && health.body.relay.backlog === 0;
      }, { timeoutMs: 15_000 });
      followed.push([a, b]);
      assert.equal((await http(relay.port, 'POST', '/follow', { followerId: a, followeeId: b })).status, 201);
      await waitFor('the follow to leave the outbox, well before the next poll', async () => (await outboxFor(driver, [a])).length === 0, { timeoutMs: 10_000 });
      const messages = await readTopic(topics.graphEvents, (key) => key === String(a), (found) => found.length >= 1);
      assert.equal(messages.length, 1);
    } finally {
      await relay.stop();
    }
  });

  test('with Neo4j down the relay reports no backlog (null) and the service is 503 degraded', async () => {
    const relay = await startWithRelay({ NEO4J_URL: 'bolt://127.0.0.1:1' });
    try {
      const health = await http(relay.port, 'GET', '/health');
      assert.equal(health.status, 503);
      assert.equal(health.body.status, 'degraded');
      assert.equal(health.body.relay.backlog, null);
      assert.equal(health.body.code, 'STORE_UNAVAILABLE');
      assert.equal(health.body.error, 'the graph store (Neo4j) is unavailable; try again shortly');
      await waitFor('the relay to report why it cannot publish', async () => (await http(relay.port, 'GET', '/health')).body.relay.lastError ?? undefined, { timeoutMs: 15_000 });
    } finally {
      await relay.stop();
    }
  });
});
