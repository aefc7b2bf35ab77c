// Watermarks through the real Redis: a projection's publisher raises them and
// announces what it applied; the gateway's watcher wakes the waiters, without
// polling, and reports when each change became visible where.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { urls } from '@polyglot/contracts/endpoints';
import { watermarkKey } from '@polyglot/contracts/consistency';
import type { AppliedChange } from '@polyglot/platform/kafka';
import { waitFor } from '@polyglot/platform/wait-for';
import { WatermarkPublisher } from '@polyglot/platform/watermark-publisher';
import { WatermarkWatcher } from '../src/data-access/watermark-watcher.ts';

const logger = pino({ level: 'silent' });
let redis: Redis;
let watcher: WatermarkWatcher;
let graph: WatermarkPublisher;
let cache: WatermarkPublisher;

// Entity ids far above the stack's own, so the running system never touches them.
const entity = () => String(9_000_000_000 + randomInt(1_000_000_000));
const applied = (entityId: string, position: number, committedAt: number): AppliedChange => ({
  occurredAt: new Date(committedAt),
  change: { source: 'users', entityId, position, type: 'USER_UPDATED' },
});

before(async () => {
  redis = new Redis(urls.redisState, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  watcher = new WatermarkWatcher(redis, logger);
  await watcher.start();
  graph = new WatermarkPublisher({ projection: 'graph', redisUrl: urls.redisState, logger });
  cache = new WatermarkPublisher({ projection: 'cache', redisUrl: urls.redisState, logger });
});

after(async () => {
  await graph?.close();
  await cache?.close();
  watcher?.stop();
  redis?.disconnect();
});

/** Listens (once listening, it resolves); `handled` resolves when the watcher has handled the announcement of this entity's position. */
async function heard(id: string, position: number): Promise<{ handled: Promise<void> }> {
  const handled = new Promise<void>((resolve) => {
    const stop = watcher.listen((notices) => {
      if (notices.some((n) => n.entityId === id && n.position === position)) {
        stop();
        resolve();
      }
    });
  });
  await watcher.listening();
  return { handled };
}

/** How many channels the named connection is subscribed to, as Redis sees it. */
async function subscriptionsOf(connectionName: string): Promise<number> {
  const line = ((await redis.client('LIST')) as string).split('\n').find((l) => l.includes(` name=${connectionName} `));
  assert.ok(line, `no connection named ${connectionName} in CLIENT LIST`);
  return Number(/ sub=(\d+)/.exec(line)![1]);
}

test('a waiter is woken by the announcement that reaches its position, not by an earlier one', async () => {
  const id = entity();
  let woken = false;
  const waiting = watcher.waitFor({ source: 'users', entityId: id, position: 200 }, ['graph'], 5000).then((reached) => ((woken = true), reached));
  const early = await heard(id, 100);
  graph.applied([applied(id, 100, Date.now())]);
  // The watcher has handled position 100 (and let any wake-up it caused run): the waiter still waits.
  await early.handled;
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(woken, false, 'woken by an announcement below its position');
  graph.applied([applied(id, 250, Date.now())]);
  const started = Date.now();
  assert.deepEqual([...(await waiting)], ['graph']);
  assert.ok(Date.now() - started < 1000);
});

test('a change applied before anyone waited is found in the watermark at once', async () => {
  const id = entity();
  graph.applied([applied(id, 500, Date.now())]);
  await waitFor('the watermark at 500', async () => (await redis.hget(watermarkKey('graph', 'users'), id)) === '500', { timeoutMs: 5000 });
  const reached = await watcher.waitFor({ source: 'users', entityId: id, position: 480 }, ['graph'], 2000);
  assert.deepEqual([...reached], ['graph']);
});

test('watermarks only rise: an older change applied later does not lower them', async () => {
  const id = entity();
  graph.applied([applied(id, 900, Date.now())]);
  await waitFor('the watermark at 900', async () => (await redis.hget(watermarkKey('graph', 'users'), id)) === '900', { timeoutMs: 5000 });
  graph.applied([applied(id, 300, Date.now())]);
  // The publisher writes in the order it was told: once a later sentinel is written, so was the 300.
  const sentinel = entity();
  graph.applied([applied(sentinel, 1, Date.now())]);
  await waitFor('the sentinel watermark', async () => (await redis.hget(watermarkKey('graph', 'users'), sentinel)) === '1', { timeoutMs: 5000 });
  assert.equal(await redis.hget(watermarkKey('graph', 'users'), id), '900');
});

test('time runs out: the projections that did not reach the position are missing from the answer', async () => {
  const id = entity();
  const waiting = watcher.waitFor({ source: 'users', entityId: id, position: 10 }, ['graph', 'cache'], 400);
  graph.applied([applied(id, 10, Date.now())]);
  assert.deepEqual([...(await waiting)], ['graph']);
});

test('visibility: per projection, when it applied the first change at or after the position, measured from the commit', async () => {
  const id = entity();
  const committedAt = Date.now() - 50;
  graph.applied([applied(id, 1007, committedAt)]);
  await waitFor('the graph visibility record', async () => (await watcher.visibility({ source: 'users', entityId: id, position: 1000 }, ['graph', 'cache'])).projections.graph?.applied === true, { timeoutMs: 5000 });
  const seen = await watcher.visibility({ source: 'users', entityId: id, position: 1000 }, ['graph', 'cache']);
  assert.equal(seen.committedAt, committedAt);
  assert.ok(seen.projections.graph!.visibleAfterMs! >= 50);
  assert.deepEqual(seen.projections.cache, { applied: false, appliedAt: null, visibleAfterMs: null });
});

test('every announcement reaches live listeners', async () => {
  const id = entity();
  const heard = new Promise<string>((resolve) => {
    const stop = watcher.listen((notices) => {
      const mine = notices.find((n) => n.entityId === id);
      if (mine) {
        stop();
        resolve(`${mine.projection}:${mine.position}`);
      }
    });
  });
  await watcher.listening();
  cache.applied([applied(id, 42, Date.now())]);
  assert.equal(await heard, 'cache:42');
});

test('announcements are subscribed to only while someone waits or listens, and for the linger after', async (t) => {
  const name = `watermarks-test-${randomInt(1_000_000)}`;
  const own = new WatermarkWatcher(redis, logger, { connectionName: name, lingerMs: 200 });
  t.after(() => own.stop());
  await own.start();
  assert.equal(await subscriptionsOf(name), 0, 'subscribed with nobody waiting');

  const id = entity();
  const waiting = own.waitFor({ source: 'users', entityId: id, position: 5 }, ['graph'], 5000);
  await own.listening();
  assert.equal(await subscriptionsOf(name), 1, 'a waiter is not heard');
  graph.applied([applied(id, 5, Date.now())]);
  assert.deepEqual([...(await waiting)], ['graph']);
  assert.equal(own.subscribed, true, 'the linger did not keep the subscription');
  await waitFor('the subscription to end after the linger', async () => (await subscriptionsOf(name)) === 0, { timeoutMs: 5000 });
  assert.equal(own.subscribed, false);

  // Wanted again: a listener subscribes anew and hears the next announcement.
  const other = entity();
  const heardOther = new Promise<void>((resolve) => {
    const stop = own.listen((notices) => {
      if (notices.some((n) => n.entityId === other)) {
        stop();
        resolve();
      }
    });
  });
  await own.listening();
  assert.equal(await subscriptionsOf(name), 1);
  cache.applied([applied(other, 1, Date.now())]);
  await heardOther;
});
