// The graph relay's sends stay under a byte bound below the broker's limit,
// and an event that can never be produced goes to the dead letters (the
// consumers' envelope, stage 'produce') and leaves the outbox instead of
// blocking every event behind it. Against the real Neo4j and Kafka; the
// oversized event is written into the outbox directly (no follow is that big).
// A component test: the stack's graph service, whose relay would publish these
// events first, is stopped meanwhile (phase 1 of ./stackctl test). The bound is
// checked on the relay itself; the dead letter through the graph service.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { KAFKA_MAX_MESSAGE_BYTES, topics } from '@polyglot/contracts/topics';
import { createProducer, recordBytes } from '@polyglot/platform/kafka';
import { waitFor } from '@polyglot/platform/wait-for';
import { watchDeadLetters, type DeadLetterWatch } from '@polyglot/platform/test-fixtures/dead-letters';
import { start, type RunningService } from '../src/app.ts';
import { appendOutbox, OutboxRepository } from '../src/data-access/outbox.repository.ts';
import { followEvent } from '../src/data-access/follow-events.ts';
import { GRAPH_RELAY_GROUP, OutboxRelay } from '../src/relay.ts';
import { cleanUp, graphConfig, http, openNeo4j, outboxFor, readTopic, silent, testUserIds, type Neo4jDriver } from './support.ts';

let api: RunningService;
let driver: Neo4jDriver;
let deadLetters: DeadLetterWatch;
const made: number[] = [];
const followed: Array<[number, number]> = [];
/** Event ids dead-lettered here on purpose. */
const madeToFail = new Set<string>();

before(async () => {
  driver = openNeo4j();
  deadLetters = await watchDeadLetters();
  api = await start(graphConfig(), { logger: silent });
});

after(async () => {
  for (const [followerId, followeeId] of followed) await http(api.port, 'DELETE', '/follow', { followerId, followeeId });
  const relay = await start(graphConfig({ GRAPH_RELAY: 'on' }), { logger: silent });
  try {
    await waitFor('the unfollows to be published', async () => (await outboxFor(driver, made)).length === 0, { timeoutMs: 15_000 });
  } finally {
    await relay.stop();
  }
  await api.stop();
  await cleanUp(driver, made);
  await driver.close();
  // The letters made here on purpose leave the running system's list: no one must replay a test's event.
  // (A value over the broker's limit is cut, so it is searched, not parsed.)
  await deadLetters.discard(deadLetters.letters.filter((l) => [...madeToFail].some((id) => l.letter.value?.includes(id))).map((l) => l.id));
  await deadLetters.close();
});

/** An event over Kafka's message.max.bytes, in the outbox as the graph service would write it. */
async function oversizedEvent(followerId: number, followeeId: number): Promise<string> {
  const event = followEvent('FOLLOW_CREATED', followerId, followeeId);
  const padded = { ...event, data: { ...event.data, note: 'n'.repeat(KAFKA_MAX_MESSAGE_BYTES + 50_000) } };
  const session = driver.session();
  try {
    await session.executeWrite((tx) => appendOutbox(tx, [padded]));
  } finally {
    await session.close();
  }
  madeToFail.add(event.eventId);
  return event.eventId;
}

describe('the graph relay and the broker’s limit', () => {
  test('sends stay under the configured bound, in seq order', async () => {
    const [a, ...others] = testUserIds(7) as [number, ...number[]];
    made.push(a, ...others);
    for (const b of others) {
      followed.push([a, b]);
      assert.equal((await http(api.port, 'POST', '/follow', { followerId: a, followeeId: b })).status, 201);
    }
    const pending = await outboxFor(driver, [a]);
    const producer = createProducer('graph-relay-bounds-test');
    const sends: number[] = [];
    const send = producer.send.bind(producer);
    producer.send = ((options: Parameters<typeof send>[0], callback?: unknown) => {
      sends.push(options.messages.reduce((sum, m) => sum + recordBytes({ key: m.key ?? null, value: m.value ?? null, headers: m.headers as Record<string, string> | undefined }), 0));
      return (send as (o: unknown, c?: unknown) => unknown)(options, callback);
    }) as typeof producer.send;
    const relay = new OutboxRelay({ outbox: new OutboxRepository(driver), logger: silent, pollMs: 50, maxBatchBytes: 1024, producerFactory: () => producer });
    relay.start();
    try {
      await waitFor('the outbox to empty', async () => (await outboxFor(driver, [a])).length === 0, { timeoutMs: 20_000 });
    } finally {
      await relay.stop();
    }
    assert.ok(sends.length >= 2, `six events of about 400 bytes take several sends of at most 1024 bytes (sends: ${sends.join(', ')})`);
    assert.ok(sends.every((bytes) => bytes <= 1024), `every send under the bound: ${sends.join(', ')}`);
    const messages = await readTopic(topics.graphEvents, (key) => key === String(a), (found) => found.length >= pending.length);
    assert.deepEqual(
      messages.map((m) => (JSON.parse(m.value ?? '{}') as { eventId: string }).eventId),
      pending.map((e) => e.eventId),
      'in seq order',
    );
  });

  test('an event that can never be produced goes to the dead letters, leaves the outbox, and the events after it go out', async () => {
    const [a, b, c] = testUserIds(3) as [number, number, number];
    made.push(a, b, c);
    const stuck = await oversizedEvent(a, b);
    followed.push([a, c]);
    assert.equal((await http(api.port, 'POST', '/follow', { followerId: a, followeeId: c })).status, 201);
    const relay = await start(graphConfig({ GRAPH_RELAY: 'on' }), { logger: silent });
    try {
      await waitFor('the outbox to empty', async () => (await outboxFor(driver, [a])).length === 0, { timeoutMs: 20_000 });
      const watched = await waitFor('the dead letter', () => deadLetters.letters.find((l) => l.letter.value?.includes(stuck)), { timeoutMs: 15_000 });
      assert.equal(watched.letter.group, GRAPH_RELAY_GROUP);
      assert.equal(watched.letter.stage, 'produce');
      assert.equal(watched.letter.topic, topics.graphEvents);
      assert.equal(watched.letter.key, String(a));
      assert.equal(watched.letter.valueTruncated, true, 'over the broker’s limit, the value is cut to fit the dead-letter topic');
      const after = await readTopic(topics.graphEvents, (key, value) => key === String(a) && (value ?? '').includes(`"followeeId":${c}`), (found) => found.length >= 1);
      assert.equal(after.length, 1, 'the follow behind it was published');
      const health = await http(relay.port, 'GET', '/health');
      assert.equal(health.body.relay.lastError, null, 'the relay is not stuck');
      assert.ok(health.body.relay.deadLettered >= 1, '/health counts the dead letter');
    } finally {
      await relay.stop();
    }
  });
});
