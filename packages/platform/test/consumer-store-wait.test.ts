// A store that is down is never a reason to dead-letter a message: the consumer
// waits for it however long it takes (far past its retry budget, which
// the environment shortens here), shows the wait in its stats, and applies the
// message once the store answers. A message that fails for its own sake is
// still dead-lettered, after exactly the budget's tries.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import { urls } from '@polyglot/contracts/endpoints';
import { retryBudget, SupervisedConsumer } from '../src/consumer.ts';
import { createProducer, ensureTopics, type InboundMessage } from '../src/kafka.ts';
import { waitFor } from '../src/wait-for.ts';
import { watchDeadLetters } from '../test-fixtures/dead-letters.ts';

const logger = pino({ level: 'silent' });
/** Nothing listens there: the driver's own "connection refused", as from a store that is down. */
const DOWN = 'postgres://postgres:postgres@127.0.0.1:1/none';

async function selectOne(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

test('the retry budget comes from the environment, and a wrong value is refused', () => {
  assert.deepEqual(retryBudget({}), { maxAttempts: 5, maxBackoffMs: 2000 });
  assert.deepEqual(retryBudget({ CONSUMER_MAX_ATTEMPTS: '2', CONSUMER_MAX_BACKOFF_MS: '10' }), { maxAttempts: 2, maxBackoffMs: 10 });
  assert.throws(() => retryBudget({ CONSUMER_MAX_ATTEMPTS: '0' }), /CONSUMER_MAX_ATTEMPTS/);
  assert.throws(() => retryBudget({ CONSUMER_MAX_BACKOFF_MS: 'soon' }), /CONSUMER_MAX_BACKOFF_MS/);
});

test('a store down past the retry budget: the message waits, nothing is dead-lettered, and it is applied once the store is back', async () => {
  const topic = `platform-store-wait-${randomUUID().slice(0, 8)}`;
  await ensureTopics([topic], 1);
  const saved = { attempts: process.env.CONSUMER_MAX_ATTEMPTS, backoff: process.env.CONSUMER_MAX_BACKOFF_MS };
  // A budget of two quick tries: an outage outlasts it many times over within a second.
  process.env.CONSUMER_MAX_ATTEMPTS = '2';
  process.env.CONSUMER_MAX_BACKOFF_MS = '10';
  let storeUrl = DOWN;
  let tries = 0;
  const applied: string[] = [];
  const loop = new SupervisedConsumer({
    groupId: `platform-store-wait-${randomUUID().slice(0, 8)}`,
    topics: [topic],
    logger,
    storeMaxBackoffMs: 20,
    handle: async (message: InboundMessage) => {
      tries++;
      if (message.value === 'bad data') throw new Error('the message itself is wrong');
      await selectOne(storeUrl);
      applied.push(message.value ?? '');
    },
  });
  if (saved.attempts === undefined) delete process.env.CONSUMER_MAX_ATTEMPTS;
  else process.env.CONSUMER_MAX_ATTEMPTS = saved.attempts;
  if (saved.backoff === undefined) delete process.env.CONSUMER_MAX_BACKOFF_MS;
  else process.env.CONSUMER_MAX_BACKOFF_MS = saved.backoff;
  const producer = createProducer('platform-store-wait');
  const deadLetters = await watchDeadLetters();
  try {
    await loop.start();
    await producer.send({ messages: [{ topic, key: 'k', value: 'good' }] });
    // Ten tries: five times the budget, every one refused by the store.
    await waitFor('ten tries against the store that is down', () => tries >= 10, { timeoutMs: 20_000 });
    const waiting = await loop.status();
    assert.equal(waiting.deadLettered, 0, 'a store outage dead-letters nothing');
    assert.equal(waiting.failed, 0, 'and spends none of the retry budget');
    assert.ok(waiting.waitingForStore, 'the consumer says it waits for the store');
    assert.match(waiting.waitingForStore.error, /ECONNREFUSED/);
    assert.deepEqual(applied, []);
    assert.equal(waiting.lag, 1, 'the message is not committed while it waits');

    storeUrl = urls.timescaledb;
    await waitFor('the message, once the store answers', () => applied.length === 1, { timeoutMs: 20_000 });
    await waitFor('the commit', async () => (await loop.status()).processed === 1, { timeoutMs: 5000 });
    assert.equal((await loop.status()).waitingForStore, null);
    assert.equal((await loop.status()).deadLettered, 0);

    // A message that fails for its own sake is dead-lettered after exactly the (shortened) budget.
    const before = tries;
    await producer.send({ messages: [{ topic, key: 'k', value: 'bad data' }] });
    await waitFor('the bad message to be dead-lettered', async () => (await loop.status()).deadLettered === 1, { timeoutMs: 20_000 });
    assert.equal(tries - before, 2);
    assert.equal((await loop.status()).failed, 2, 'both tries of the budget');
    assert.deepEqual(applied, ['good']);
    const letters = await waitFor('the letter on the topic', () => {
      const found = deadLetters.letters.filter((l) => l.letter.topic === topic);
      return found.length > 0 ? found : undefined;
    });
    assert.deepEqual(letters.map((l) => l.letter.value), ['bad data'], 'only the bad message, never the one that waited for its store');
  } finally {
    await loop.stop();
    await producer.close();
    await deadLetters.discard(deadLetters.letters.filter((l) => l.letter.topic === topic).map((l) => l.id));
    await deadLetters.close();
  }
});
