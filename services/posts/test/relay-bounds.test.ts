// The relay's sends stay under a byte bound below the broker's limit, and an
// event that can never be produced goes to the dead letters (the consumers'
// envelope, stage 'produce') and leaves its outbox, instead of holding the
// relay for good. Against the real FerretDB and Kafka; the bound is lowered by
// configuration, and an event larger than Kafka's message.max.bytes is
// written into an outbox directly (the API caps a body at 20 KB).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MongoClient } from 'mongodb';
import { pino } from 'pino';
import { KAFKA_MAX_MESSAGE_BYTES, topics } from '@polyglot/contracts/topics';
import { createProducer, recordBytes } from '@polyglot/platform/kafka';
import { watchDeadLetters, type DeadLetterWatch } from '../../../packages/platform/test-fixtures/dead-letters.ts';
import { OutboxRepository } from '../src/data-access/outbox.repository.ts';
import { PostEventsPublisher, type EventMessage } from '../src/data-access/post-events.publisher.ts';
import { createWriteLock } from '../src/data-access/write-lock.ts';
import { OutboxRelay, POSTS_RELAY_GROUP } from '../src/domain/outbox-relay.ts';
import { waitFor } from '@polyglot/platform/wait-for';
import { bootPosts, bootRelay, call, retractPublished, testUserId, type TestService } from './helpers.ts';

const logger = pino({ level: 'silent' });
let svc: TestService;
let deadLetters: DeadLetterWatch;
/** Posts whose events are dead-lettered here on purpose. */
const madeToFail = new Set<string>();

/** The real publisher, remembering the bytes of each send. */
class MeasuredPublisher extends PostEventsPublisher {
  readonly sends: number[] = [];
  override async publish(messages: EventMessage[]): Promise<void> {
    this.sends.push(messages.reduce((sum, m) => sum + recordBytes({ key: m.key, value: m.value, headers: m.traceparent ? { traceparent: m.traceparent } : undefined }), 0));
    await super.publish(messages);
  }
}

before(async () => {
  deadLetters = await watchDeadLetters();
  svc = await bootPosts();
});

after(async () => {
  if (svc) await retractPublished(svc);
  // The letters made here on purpose leave the running system's list: no one must replay a test's post.
  await deadLetters?.discard(deadLetters.letters.filter((l) => l.letter.key !== null && madeToFail.has(l.letter.key)).map((l) => l.id));
  await deadLetters?.close();
  await svc?.close();
});

const lettersFor = (postId: string) => deadLetters.letters.filter((l) => l.letter.key === postId);

test('an event larger than the configured bound goes to the dead letters and leaves the outbox; the rest flows', async () => {
  const relay = await bootRelay(svc.mongoUrl, { RELAY_MAX_BATCH_BYTES: '4096' });
  try {
    const big = await call(svc.base, 'POST', '/posts', { author_id: testUserId(), title: 'too big for this relay', body: 'x'.repeat(6000) });
    assert.equal(big.status, 201);
    const id = big.body._id as string;
    madeToFail.add(id);
    const [watched] = await waitFor('the dead letter of the large event', async () => (lettersFor(id).length > 0 ? lettersFor(id) : null), { timeoutMs: 20_000 });
    assert.ok(watched);
    const { letter } = watched;
    assert.equal(letter.group, POSTS_RELAY_GROUP);
    assert.equal(letter.stage, 'produce');
    assert.equal(letter.topic, topics.postEvents);
    assert.equal(letter.partition, -1);
    assert.match(letter.error, /4096/);
    const event = JSON.parse(letter.value ?? '{}') as { type: string; aggregateId: string; data: { body: string } };
    assert.equal(event.type, 'POST_CREATED');
    assert.equal(event.aggregateId, id);
    assert.equal(event.data.body.length, 6000, 'the whole event, so it can be replayed once the cause is fixed');
    await waitFor('the outbox emptied', async () => (await svc.stored(id))?.outbox.length === 0);
    const health = await call(relay.base, 'GET', '/health');
    assert.equal(health.body.deadLettered, 1);
    assert.equal(health.body.failing, null, 'the relay is not stuck');

    // Events after it are published as usual.
    const small = await call(svc.base, 'POST', '/posts', { author_id: testUserId(), title: 'small', body: 'b' });
    await waitFor('the small post’s outbox emptied', async () => (await svc.stored(small.body._id as string))?.outbox.length === 0);
    assert.equal(lettersFor(small.body._id as string).length, 0);
  } finally {
    await relay.stop();
  }
});

test('sends stay under the bound; an event the broker refuses (over message.max.bytes) is dead-lettered, cut to fit, and the others go out', async () => {
  const client = new MongoClient(svc.mongoUrl, { serverSelectionTimeoutMS: 2000 });
  const producer = createProducer('posts-relay-bounds-test');
  const publisher = new MeasuredPublisher(producer);
  const db = client.db();
  const outbox = new OutboxRepository(db, createWriteLock(db, 'auto', logger));
  try {
    // Twelve events of about 1.3 KB each, written before any relay runs (the service's nudges go nowhere).
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await call(svc.base, 'POST', '/posts', { author_id: testUserId(), title: `bounded ${i}`, body: 'y'.repeat(1000) })).body._id as string);
    const bounded = new OutboxRelay({ outbox, publisher, logger, pollMs: 100_000, batchSize: 100, maxBatchBytes: 4096 });
    for (let round = 0; round < 20 && (await outbox.countBacklog()) > 0; round++) await bounded.publishOnce();
    assert.ok(publisher.sends.length >= 4, `12 events of 1.3 KB take several sends of at most 4096 bytes (sends: ${publisher.sends.join(', ')})`);
    assert.ok(publisher.sends.every((bytes) => bytes <= 4096), `every send under the bound: ${publisher.sends.join(', ')}`);
    for (const id of ids) assert.equal((await svc.stored(id))?.outbox.length, 0);
    assert.equal(bounded.stats.published, 12);

    // One event over Kafka's limit, written into an outbox directly, beside an ordinary one.
    const huge = (await call(svc.base, 'POST', '/posts', { author_id: testUserId(), title: 'huge', body: 'b' })).body._id as string;
    madeToFail.add(huge);
    const stored = await svc.stored(huge);
    assert.ok(stored?.outbox[0]);
    const oversized = { ...stored.outbox[0], data: { ...stored.outbox[0].data, body: 'z'.repeat(KAFKA_MAX_MESSAGE_BYTES + 100_000) } };
    await svc.posts.updateOne({ _id: stored._id }, { $set: { outbox: [oversized] } });
    const ordinary = (await call(svc.base, 'POST', '/posts', { author_id: testUserId(), title: 'ordinary', body: 'b' })).body._id as string;

    // A relay allowed more than the broker takes, so that the broker is the one to refuse.
    const lenient = new OutboxRelay({ outbox, publisher, logger, pollMs: 100_000, batchSize: 100, maxBatchBytes: 4 * KAFKA_MAX_MESSAGE_BYTES });
    await lenient.publishOnce();
    const [watched] = await waitFor('the refused event’s dead letter', async () => (lettersFor(huge).length > 0 ? lettersFor(huge) : null), { timeoutMs: 20_000 });
    assert.ok(watched);
    assert.equal(watched.letter.stage, 'produce');
    assert.match(watched.letter.error, /Kafka refuses it/);
    assert.equal(watched.letter.valueTruncated, true, 'a value over the broker’s limit is cut to fit the dead-letter topic');
    assert.ok(Buffer.byteLength(watched.letter.value ?? '') < KAFKA_MAX_MESSAGE_BYTES);
    assert.equal((await svc.stored(huge))?.outbox.length, 0, 'the refused event left its outbox');
    assert.equal((await svc.stored(ordinary))?.outbox.length, 0, 'the event beside it went out');
    assert.equal(lettersFor(ordinary).length, 0);
    assert.equal(lenient.stats.deadLettered, 1);
  } finally {
    await producer.close();
    await client.close();
  }
});
