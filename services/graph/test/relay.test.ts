// The outbox relay against the real Neo4j and Kafka: events reach
// graph.events keyed by the follower, in seq order, and leave the outbox only
// once Kafka has them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OutboxEvent } from '@polyglot/contracts/events';
import { topics } from '@polyglot/contracts/topics';
import { start, type RunningService } from '../src/app.ts';
import { startRelay } from '../src/relay-app.ts';
import { cleanUp, graphConfig, http, openNeo4j, outboxFor, readTopic, relayConfig, silent, testUserIds, waitFor, type Neo4jDriver } from './support.ts';

let api: RunningService;
let driver: Neo4jDriver;
const made: number[] = [];

before(async () => {
  driver = openNeo4j();
  api = await start(graphConfig(), { logger: silent });
});

after(async () => {
  await api.stop();
  await cleanUp(driver, made);
  await driver.close();
});

function users(count: number): number[] {
  const ids = testUserIds(count);
  made.push(...ids);
  return ids;
}

describe('the graph outbox relay', () => {
  test('publishes FOLLOW_CREATED, FOLLOW_DELETED, FOLLOW_CREATED keyed by the follower, in order, and empties the outbox', async () => {
    const [a, b] = users(2) as [number, number];
    assert.equal((await http(api.port, 'POST', '/follow', { followerId: a, followeeId: b })).status, 201);
    assert.equal((await http(api.port, 'DELETE', '/follow', { followerId: a, followeeId: b })).status, 204);
    assert.equal((await http(api.port, 'POST', '/follow', { followerId: a, followeeId: b })).status, 201);
    const pending = await outboxFor(driver, [a]);
    assert.equal(pending.length, 3, 'the events wait in the outbox until a relay runs');

    const relay = await startRelay(relayConfig(), { logger: silent });
    try {
      await waitFor(async () => (await outboxFor(driver, [a])).length === 0, 15_000, 'the outbox to empty');
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
      assert.ok(health.body.published >= 3);
      assert.equal(typeof health.body.backlog, 'number');
      assert.ok(health.body.lastPublishedAt);
      assert.equal(health.body.lastError, null);
    } finally {
      await relay.stop();
    }
  });

  test('while Kafka is unreachable the events stay in the outbox; they go once it answers', async () => {
    const [a, b] = users(2) as [number, number];
    const brokers = process.env.KAFKA_BROKERS;
    process.env.KAFKA_BROKERS = '127.0.0.1:1';
    const relay = await startRelay(relayConfig(), { logger: silent });
    try {
      assert.equal((await http(api.port, 'POST', '/follow', { followerId: a, followeeId: b })).status, 201);
      await waitFor(async () => (await http(relay.port, 'GET', '/health')).body.lastError !== null || undefined, 15_000, 'the relay to report its failure');
      assert.equal((await outboxFor(driver, [a])).length, 1, 'still in the outbox');
      const health = await http(relay.port, 'GET', '/health');
      assert.equal(health.status, 200, 'Neo4j is fine; the backlog is visible');
      assert.ok(health.body.backlog >= 1);

      if (brokers === undefined) delete process.env.KAFKA_BROKERS;
      else process.env.KAFKA_BROKERS = brokers;
      await waitFor(async () => (await outboxFor(driver, [a])).length === 0, 20_000, 'the outbox to empty once Kafka answers');
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

  test('/health is 503 degraded when Neo4j is down', async () => {
    const relay = await startRelay(relayConfig({ NEO4J_URL: 'bolt://127.0.0.1:1' }), { logger: silent });
    try {
      const health = await http(relay.port, 'GET', '/health');
      assert.equal(health.status, 503);
      assert.equal(health.body.status, 'degraded');
      assert.equal(health.body.backlog, null);
      assert.equal(health.body.code, 'STORE_UNAVAILABLE');
      assert.equal(health.body.error, 'the graph store (Neo4j) is unavailable; try again shortly');
    } finally {
      await relay.stop();
    }
  });
});
