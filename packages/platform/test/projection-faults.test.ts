// Faults on purpose against the real broker: a paused projection applies
// nothing while its lag grows, and drains everything exactly once on resume;
// stopping while paused commits nothing; a delay holds each message back;
// duplicate mode applies everything twice.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InboundMessage } from '../src/kafka.ts';
import { SupervisedConsumer } from '../src/consumer.ts';
import { waitFor } from '../src/wait-for.ts';
import { consumerFixture } from './consumer-fixture.ts';

const fixture = () => consumerFixture('faults-test');

test('paused: nothing is applied and the lag grows; resumed: everything drains once, in order', async () => {
  const { producer, options, send } = await fixture();
  const applied: string[] = [];
  const projection = new SupervisedConsumer(
    options(async (message: InboundMessage) => {
      applied.push(message.value ?? '');
      return null;
    }),
  );
  try {
    await projection.start();
    await send('m0');
    await waitFor('the first message', () => applied.length === 1, { timeoutMs: 15_000 });

    projection.faults.change({ paused: true });
    assert.equal((await projection.status()).faults.paused, true);
    await send('m1', 'm2', 'm3', 'm4', 'm5');
    await waitFor('a lag of 5 while paused', async () => (await projection.status()).lag === 5, { timeoutMs: 10_000 });
    // The loop has fetched m1 and holds it at the pause: from here, anything applied would show.
    await waitFor('the loop holding m1 at the pause', () => projection.faults.holding, { timeoutMs: 10_000 });
    assert.deepEqual(applied, ['m0'], 'nothing applied while paused');
    const paused = await projection.status();
    assert.equal(paused.lag, 5);
    assert.equal(paused.running, true, 'the consumer stays in its group');
    assert.ok(paused.faults.pausedSince);

    const resumedAt = Date.now();
    projection.faults.change({ paused: false });
    await waitFor('the lag to drain', async () => (await projection.status()).lag === 0, { timeoutMs: 10_000 });
    process.stdout.write(`  backlog of 5 drained ${Date.now() - resumedAt} ms after resume\n`);
    assert.deepEqual(applied, ['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
    assert.equal((await projection.status()).faults.pausedSince, null);
  } finally {
    await projection.stop();
    await producer.close();
  }
});

test('stopping while paused commits nothing: the next consumer of the group gets every held message', async () => {
  const { producer, options, send } = await fixture();
  const first: string[] = [];
  const projection = new SupervisedConsumer(options(async (m) => (first.push(m.value ?? ''), null)));
  await projection.start();
  projection.faults.change({ paused: true });
  await send('a', 'b', 'c');
  await waitFor('a lag of 3', async () => (await projection.status()).lag === 3, { timeoutMs: 10_000 });
  const started = Date.now();
  await projection.stop();
  assert.ok(Date.now() - started < 3000, `a paused projection stops quickly (${Date.now() - started} ms)`);
  assert.deepEqual(first, []);

  const second: string[] = [];
  const next = new SupervisedConsumer(options(async (m) => (second.push(m.value ?? ''), null)));
  try {
    await next.start();
    await waitFor('the held messages, through the next consumer', () => second.length === 3, { timeoutMs: 20_000 });
    assert.deepEqual(second, ['a', 'b', 'c']);
  } finally {
    await next.stop();
    await producer.close();
  }
});

test('a delay holds each message back; lowering it frees the one in hand at once', async () => {
  const { producer, options, send } = await fixture();
  const appliedAt: number[] = [];
  const projection = new SupervisedConsumer(options(async () => (appliedAt.push(Date.now()), null)));
  try {
    await projection.start();
    projection.faults.change({ delayMs: 600 });
    const sentAt = Date.now();
    await send('slow');
    await waitFor('the delayed message', () => appliedAt.length === 1, { timeoutMs: 15_000 });
    assert.ok(appliedAt[0]! - sentAt >= 600, `applied ${appliedAt[0]! - sentAt} ms after it was sent`);

    projection.faults.change({ delayMs: 60_000 });
    await send('held');
    await waitFor('the loop holding the message for its delay', () => projection.faults.holding, { timeoutMs: 10_000 });
    assert.equal(appliedAt.length, 1, 'held by the one-minute delay');
    const loweredAt = Date.now();
    projection.faults.change({ delayMs: 0 });
    await waitFor('the message once the delay is lowered', () => appliedAt.length === 2, { timeoutMs: 5000 });
    assert.ok(appliedAt[1]! - loweredAt < 1000);
  } finally {
    await projection.stop();
    await producer.close();
  }
});

test('duplicate mode applies every message and every batch twice, and counts it', async () => {
  const { producer, options, send } = await fixture();
  const single: string[] = [];
  const batches: string[][] = [];
  const projection = new SupervisedConsumer(
    options(
      async (m) => (single.push(m.value ?? ''), null),
      { handleBatch: async (messages) => (batches.push(messages.map((m) => m.value ?? '')), messages.map(() => null)) },
    ),
  );
  try {
    await projection.start();
    projection.faults.change({ duplicate: true });
    // Paused first, so the messages wait together and are handed over as one batch.
    projection.faults.change({ paused: true });
    await send('x1', 'x2', 'x3');
    await waitFor('a lag of 3', async () => (await projection.status()).lag === 3, { timeoutMs: 10_000 });
    // The first is in hand at the pause; the others wait behind it in the stream, and on resume
    // go as a batch when they have reached its buffer (either way each must be applied twice).
    await waitFor('the loop holding x1 at the pause', () => projection.faults.holding, { timeoutMs: 10_000 });
    projection.faults.change({ paused: false });
    await waitFor('the lag to drain', async () => (await projection.status()).lag === 0, { timeoutMs: 10_000 });
    const applied = [...single, ...batches.flat()];
    for (const value of ['x1', 'x2', 'x3']) assert.equal(applied.filter((v) => v === value).length, 2, `${value} applied twice: ${JSON.stringify({ single, batches })}`);
    assert.equal(projection.faults.snapshot().duplicated, 3);

    projection.faults.change({ duplicate: false });
    await send('y');
    await waitFor('y', async () => (await projection.status()).lag === 0 && [...single, ...batches.flat()].includes('y'), { timeoutMs: 10_000 });
    assert.equal([...single, ...batches.flat()].filter((v) => v === 'y').length, 1, 'once when duplicate mode is off');
  } finally {
    await projection.stop();
    await producer.close();
  }
});
