// The self-supervising projection against the real broker: a store outage is
// waited out (never dead-lettered), stopping during one leaves the message for
// the next consumer, and a consumer that could not start is started later.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StoreUnavailableError } from '../src/errors.ts';
import type { InboundMessage } from '../src/kafka.ts';
import { SupervisedProjection } from '../src/projection.ts';
import { waitFor } from '../src/wait-for.ts';
import { projectionFixture } from './projection-fixture.ts';

const fixture = () => projectionFixture('projection-test', { storeBackoffMs: () => 20 });

test('a store outage is waited out, not dead-lettered, and latency is measured', async () => {
  const { producer, options, send } = await fixture();
  let failures = 0;
  const applied: string[] = [];
  const projection = new SupervisedProjection(
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
  const first = new SupervisedProjection(config);
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

    const second = new SupervisedProjection({
      ...config,
      apply: async (message) => {
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
  const projection = new SupervisedProjection(
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
