// The user cascade's background consumer keeps a consumer running for the life
// of the process: it retries starting while Kafka does not answer, and replaces
// a consumer whose stream died (what a broker restart does), keeping its
// counters. Loops here are stand-ins with ConsumerLoop's start/stop/stats; the
// real thing against a real broker restart is tests/e2e/nothing-lost.kills.e2e.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import type { ConsumerLoopStats } from '@polyglot/platform/kafka';
import { waitFor } from '@polyglot/platform/wait-for';
import { BackgroundConsumer } from '../src/entry-points/background-consumer.ts';

class StandInLoop {
  readonly stats: ConsumerLoopStats = { running: false, processed: 0, deadLettered: 0, retries: 0, lastAppliedAt: null, waitingForStore: null };
  stopped = false;
  readonly failStart: boolean;
  constructor(failStart: boolean) {
    this.failStart = failStart;
  }
  async start(): Promise<void> {
    if (this.failStart) throw new Error('Cannot connect to any broker.');
    this.stats.running = true;
  }
  async stop(): Promise<void> {
    this.stopped = true;
    this.stats.running = false;
  }
}

const logger = pino({ level: 'silent' });

/**
 * Time has passed for a supervisor on 10 ms timings: a sentinel supervisor on the same timings,
 * whose every start fails, has tried `rounds` times. What the supervisor under test would have
 * done meanwhile (start another consumer), it has done by then.
 */
async function sentinelRounds(rounds: number): Promise<void> {
  let tries = 0;
  const sentinel = new BackgroundConsumer(() => ((tries += 1), new StandInLoop(true)), logger, { superviseMs: 10, retryMs: () => 10 });
  sentinel.start();
  try {
    await waitFor(`${rounds} rounds of a sentinel supervisor`, () => tries >= rounds, { timeoutMs: 2000, intervalMs: 5 });
  } finally {
    await sentinel.stop();
  }
}

test('retries starting while Kafka does not answer, then runs the consumer', async () => {
  const made: StandInLoop[] = [];
  const consumer = new BackgroundConsumer(() => {
    const loop = new StandInLoop(made.length < 2);
    made.push(loop);
    return loop;
  }, logger, { superviseMs: 10, retryMs: () => 10 });
  consumer.start();
  try {
    await waitFor('a consumer running', () => consumer.stats.running);
    assert.equal(made.length, 3);
    assert.ok(made[0]!.stopped && made[1]!.stopped, 'failed attempts are released');
    assert.equal(consumer.loop, made[2]);
  } finally {
    await consumer.stop();
  }
  assert.ok(made[2]!.stopped);
});

test('a consumer whose stream died is replaced, and its counters carry over', async () => {
  const made: StandInLoop[] = [];
  const consumer = new BackgroundConsumer(() => {
    const loop = new StandInLoop(false);
    made.push(loop);
    return loop;
  }, logger, { superviseMs: 10, retryMs: () => 10 });
  consumer.start();
  try {
    await waitFor('the first consumer running', () => made.length === 1 && consumer.stats.running);
    Object.assign(made[0]!.stats, { processed: 7, deadLettered: 1, retries: 2, lastAppliedAt: '2026-01-01T00:00:00.000Z' });
    // What ConsumerLoop does when its stream fails (e.g. the broker went away): it stops running.
    made[0]!.stats.running = false;
    await waitFor('a second consumer running', () => made.length === 2 && consumer.stats.running);
    assert.ok(made[0]!.stopped, 'the dead consumer is closed');
    assert.equal(consumer.loop, made[1]);
    made[1]!.stats.processed = 3;
    assert.deepEqual(consumer.stats, { running: true, processed: 10, deadLettered: 1, retries: 2, lastAppliedAt: '2026-01-01T00:00:00.000Z', waitingForStore: null });
    // A running consumer is left alone.
    await sentinelRounds(5);
    assert.equal(made.length, 2);
  } finally {
    await consumer.stop();
  }
});

test('stop() ends the supervision: the running consumer is stopped and none is started after', async () => {
  const made: StandInLoop[] = [];
  const consumer = new BackgroundConsumer(() => {
    const loop = new StandInLoop(false);
    made.push(loop);
    return loop;
  }, logger, { superviseMs: 10 });
  consumer.start();
  await waitFor('a consumer running', () => consumer.stats.running);
  await consumer.stop();
  assert.ok(made[0]!.stopped);
  await sentinelRounds(5);
  assert.equal(made.length, 1);
});
