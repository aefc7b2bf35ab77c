// The supervised consumer against the real broker: a store outage is waited
// out (never dead-lettered), stopping during one leaves the message for the
// next consumer, a consumer that could not start is started later, and one
// whose stream failed is replaced without losing a message or its counters.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StoreUnavailableError } from '../src/errors.ts';
import { SupervisedConsumer } from '../src/consumer.ts';
import { PermanentError, type InboundMessage } from '../src/kafka.ts';
import { waitFor } from '../src/wait-for.ts';
import { watchDeadLetters } from '../test-fixtures/dead-letters.ts';
import { consumerFixture } from './consumer-fixture.ts';

const fixture = () => consumerFixture('consumer-test', { storeMaxBackoffMs: 20 });

test('a store outage is waited out, not dead-lettered, and latency is measured', async () => {
  const { producer, options, send } = await fixture();
  let failures = 0;
  const applied: string[] = [];
  const projection = new SupervisedConsumer(
    options(async (message: InboundMessage) => {
      if (failures++ < 6) throw new StoreUnavailableError('the test store');
      applied.push(message.value ?? '');
      return { occurredAt: new Date(Date.now() - 5) };
    }),
  );
  try {
    await projection.start();
    assert.equal(projection.running, true);
    await send('a');
    await waitFor('the message after the outage', () => applied.length === 1, { timeoutMs: 20_000 });
    const status = await projection.status();
    assert.equal(status.processed, 1);
    assert.equal(status.deadLettered, 0, 'six failures, more than the loop’s five tries, and no dead letter');
    assert.equal(status.latency.count, 1);
    assert.ok((status.latency.p50 ?? 0) >= 5);
  } finally {
    await projection.stop();
    await producer.close();
  }
});

test('stopping during an outage is quick and leaves the message to the next consumer', async () => {
  const { producer, options, send } = await fixture();
  let outageTries = 0;
  const config = options(async () => {
    outageTries++;
    throw new StoreUnavailableError('the test store');
  });
  const first = new SupervisedConsumer(config);
  let attempts = 0;
  const seen: string[] = [];
  try {
    await first.start();
    await send('b');
    await waitFor('the message to be in flight', async () => (await first.status()).lag === 1, { timeoutMs: 10_000 });
    await waitFor('two tries against the store that is down', () => outageTries >= 2, { timeoutMs: 10_000 });
    const started = Date.now();
    await first.stop();
    assert.ok(Date.now() - started < 3000, `stopped in ${Date.now() - started} ms`);
    assert.equal((await first.status()).deadLettered, 0);

    const second = new SupervisedConsumer({
      ...config,
      handle: async (message) => {
        attempts++;
        seen.push(message.value ?? '');
        return null;
      },
    });
    try {
      await second.start();
      await waitFor('the uncommitted message, again', () => seen.length === 1, { timeoutMs: 20_000 });
      assert.deepEqual(seen, ['b']);
      assert.equal(attempts, 1);
    } finally {
      await second.stop();
    }
  } finally {
    await producer.close();
  }
});

test('a consumer that could not start (Kafka unreachable) is started once Kafka answers', async () => {
  const { producer, options, send } = await fixture();
  const seen: string[] = [];
  const projection = new SupervisedConsumer(
    options(async (message) => {
      seen.push(message.value ?? '');
      return null;
    }),
  );
  const brokers = process.env.KAFKA_BROKERS;
  process.env.KAFKA_BROKERS = '127.0.0.1:1';
  try {
    await projection.start();
    assert.equal(projection.running, false);
    const status = await projection.status();
    assert.equal(status.running, false);
    assert.equal(status.lag, null);
  } finally {
    if (brokers === undefined) delete process.env.KAFKA_BROKERS;
    else process.env.KAFKA_BROKERS = brokers;
  }
  try {
    await waitFor('the supervisor to start the consumer', () => projection.running, { timeoutMs: 20_000 });
    await send('c');
    await waitFor('a message through the replacement consumer', () => seen.length === 1, { timeoutMs: 20_000 });
  } finally {
    await projection.stop();
    await producer.close();
  }
});

test('a consumer whose stream failed is replaced: the message in hand comes again, nothing is applied twice, the counters carry over', async () => {
  const { producer, options, send, topic } = await fixture();
  const seen: string[] = [];
  const consumer = new SupervisedConsumer(
    options(async (message) => {
      seen.push(message.value ?? '');
      if (message.value === 'poison') throw new PermanentError('cannot parse poison');
      return null;
    }),
  );
  const deadLetters = await watchDeadLetters();
  const brokers = process.env.KAFKA_BROKERS;
  const restoreBrokers = () => {
    if (brokers === undefined) delete process.env.KAFKA_BROKERS;
    else process.env.KAFKA_BROKERS = brokers;
  };
  try {
    await consumer.start();
    await send('a');
    await waitFor('the first message', async () => (await consumer.status()).processed === 1, { timeoutMs: 15_000 });
    // The dead-letter producer is made at the first dead letter, with the brokers of that moment:
    // unreachable ones make the send fail, which ends the stream as a broker going away does.
    process.env.KAFKA_BROKERS = '127.0.0.1:1';
    await send('poison');
    await waitFor('the stream to fail on the dead letter it cannot send', () => !consumer.running, { timeoutMs: 30_000 });
    restoreBrokers();
    await waitFor('the replacement to dead-letter the uncommitted message', async () => (await consumer.status()).deadLettered === 1, { timeoutMs: 30_000 });
    const status = await consumer.status();
    assert.equal(status.running, true);
    assert.equal(status.processed, 2, 'the first message counted before the replacement, the poison after');
    assert.equal(status.failed, 2, 'one failed try in each consumer');
    assert.deepEqual(seen, ['a', 'poison', 'poison'], 'the committed message is not applied again');
    await waitFor('the letter on the topic', () => deadLetters.letters.some((l) => l.letter.topic === topic), { timeoutMs: 15_000 });
  } finally {
    restoreBrokers();
    await consumer.stop();
    await producer.close();
    await deadLetters.discard(deadLetters.letters.filter((l) => l.letter.topic === topic).map((l) => l.id));
    await deadLetters.close();
  }
});
