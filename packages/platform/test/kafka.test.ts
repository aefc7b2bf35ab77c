// The consumer against the real broker: order, retries, dead letters, and batches.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { Consumer, stringDeserializers } from '@platformatic/kafka';
import { pino } from 'pino';
import { topics } from '@polyglot/contracts/topics';
import { waitFor } from '../src/wait-for.ts';
import { watchDeadLetters } from '../test-fixtures/dead-letters.ts';
import { SupervisedConsumer } from '../src/consumer.ts';
import { createProducer, ensureTopics, kafkaBrokers, PermanentError, type DeadLetter, type InboundMessage } from '../src/kafka.ts';

const logger = pino({ level: 'silent' });

test('handles in order per key, retries a failing message, dead-letters a poison one and moves on', async () => {
  const topic = `platform-test-${randomUUID().slice(0, 8)}`;
  await ensureTopics([topic], 1);
  const seen: string[] = [];
  let flaky = 0;
  const loop = new SupervisedConsumer({
    groupId: `platform-test-${randomUUID().slice(0, 8)}`,
    topics: [topic],
    logger,
    maxBackoffMs: 10,
    handle: async (message: InboundMessage) => {
      if (message.value === 'poison') throw new PermanentError('cannot parse poison');
      if (message.value === 'flaky' && flaky++ < 2) throw new Error('transient');
      seen.push(message.value ?? '');
    },
  });
  const producer = createProducer('platform-test');
  const made = await watchDeadLetters();
  const dlq = new Consumer({ clientId: 'platform-test-dlq', groupId: `platform-test-dlq-${randomUUID().slice(0, 8)}`, bootstrapBrokers: kafkaBrokers(), deserializers: stringDeserializers });
  try {
    await loop.start();
    await producer.send({ messages: ['a', 'poison', 'flaky', 'b'].map((value) => ({ topic, key: 'k1', value })) });
    await waitFor('three handled messages', () => seen.length === 3, { timeoutMs: 15_000 });
    assert.deepEqual(seen, ['a', 'flaky', 'b']);
    await waitFor('all four committed', async () => (await loop.status()).processed === 4, { timeoutMs: 10_000 });
    const status = await loop.status();
    assert.equal(status.deadLettered, 1);
    assert.equal(status.failed, 3, 'two failed tries of flaky, one of poison');
    // Offsets are committed within COMMIT_EVERY_MS of being handled; the lag counts from them.
    await waitFor('no lag once committed', async () => (await loop.status()).lag === 0, { timeoutMs: 5000 });

    const stream = await dlq.consume({ topics: [topics.deadLetters], mode: 'earliest', autocommit: true, maxWaitTime: 100 });
    let letter: DeadLetter | undefined;
    const timer = setTimeout(() => stream.destroy(new Error('no dead letter within 15 s')), 15_000);
    for await (const message of stream) {
      const parsed = JSON.parse(message.value) as DeadLetter;
      if (parsed.topic === topic) {
        letter = parsed;
        break;
      }
    }
    clearTimeout(timer);
    assert.ok(letter);
    assert.equal(letter.value, 'poison');
    assert.equal(letter.error, 'cannot parse poison');
    assert.equal(letter.attempts, 1);
    await waitFor('the letter among those to withdraw', () => made.letters.some((l) => l.letter.topic === topic), { timeoutMs: 15_000 });
  } finally {
    await loop.stop();
    await producer.close();
    await dlq.close(true);
    // The letter made on purpose leaves the running system's list.
    await made.discard(made.letters.filter((l) => l.letter.topic === topic).map((l) => l.id));
    await made.close();
  }
});

test('waiting messages are handed over in batches, in order; a batch with a poison message falls back to one by one', async () => {
  const topic = `platform-batch-${randomUUID().slice(0, 8)}`;
  await ensureTopics([topic], 1);
  const seen: string[] = [];
  const batchSizes: number[] = [];
  const loop = new SupervisedConsumer({
    groupId: `platform-batch-${randomUUID().slice(0, 8)}`,
    topics: [topic],
    logger,
    maxBackoffMs: 10,
    handle: async (message: InboundMessage) => {
      if (message.value === 'poison') throw new PermanentError('cannot parse poison');
      seen.push(message.value ?? '');
    },
    handleBatch: async (messages: InboundMessage[]) => {
      if (messages.some((m) => m.value === 'poison')) throw new Error('a batch with poison');
      batchSizes.push(messages.length);
      for (const m of messages) seen.push(m.value ?? '');
      return messages.map(() => null);
    },
  });
  const producer = createProducer('platform-batch-test');
  const made = await watchDeadLetters();
  const values = Array.from({ length: 300 }, (_, i) => (i === 150 ? 'poison' : `m${i}`));
  try {
    // Produced before the consumer starts, so they are waiting when it does.
    await producer.send({ messages: values.map((value) => ({ topic, key: 'k', value })) });
    await loop.start();
    await waitFor('299 handled messages', () => seen.length === 299, { timeoutMs: 20_000 });
    assert.deepEqual(seen, values.filter((v) => v !== 'poison'));
    assert.ok(batchSizes.some((n) => n > 1), `batches: ${batchSizes.join(',')}`);
    // A batch is handed over, then committed and counted: the count follows the last handover.
    await waitFor('all 300 processed and committed', async () => (await loop.status()).processed === 300, { timeoutMs: 10_000 });
    assert.equal((await loop.status()).deadLettered, 1);
    await waitFor('no lag once committed', async () => (await loop.status()).lag === 0, { timeoutMs: 5000 });
    await waitFor('the letter on the topic', () => made.letters.some((l) => l.letter.topic === topic), { timeoutMs: 15_000 });
  } finally {
    await loop.stop();
    await producer.close();
    await made.discard(made.letters.filter((l) => l.letter.topic === topic).map((l) => l.id));
    await made.close();
  }
});
