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
  redis = new Redis(urls.redis, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  watcher = new WatermarkWatcher(redis, logger);
  await watcher.start();
  graph = new WatermarkPublisher({ projection: 'graph', redisUrl: urls.redis, logger });
  cache = new WatermarkPublisher({ projection: 'cache', redisUrl: urls.redis, logger });
});

after(async () => {
  await graph?.close();
  await cache?.close();
  watcher?.stop();
  redis?.disconnect();
});

test('a waiter is woken by the announcement that reaches its position, not by an earlier one', async () => {
  const id = entity();
  const waiting = watcher.waitFor({ source: 'users', entityId: id, position: 200 }, ['graph'], 5000);
  graph.applied([applied(id, 100, Date.now())]);
  await new Promise((r) => setTimeout(r, 100));
  graph.applied([applied(id, 250, Date.now())]);
  const started = Date.now();
  assert.deepEqual([...(await waiting)], ['graph']);
  assert.ok(Date.now() - started < 1000);
});

test('a change applied before anyone waited is found in the watermark at once', async () => {
  const id = entity();
  graph.applied([applied(id, 500, Date.now())]);
  await waitUntil(async () => (await redis.hget(watermarkKey('graph', 'users'), id)) === '500');
  const reached = await watcher.waitFor({ source: 'users', entityId: id, position: 480 }, ['graph'], 2000);
  assert.deepEqual([...reached], ['graph']);
});

test('watermarks only rise: an older change applied later does not lower them', async () => {
  const id = entity();
  graph.applied([applied(id, 900, Date.now())]);
  await waitUntil(async () => (await redis.hget(watermarkKey('graph', 'users'), id)) === '900');
  graph.applied([applied(id, 300, Date.now())]);
  await new Promise((r) => setTimeout(r, 200));
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
  await waitUntil(async () => (await watcher.visibility({ source: 'users', entityId: id, position: 1000 }, ['graph', 'cache'])).projections.graph?.applied === true);
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
  cache.applied([applied(id, 42, Date.now())]);
  assert.equal(await heard, 'cache:42');
});

async function waitUntil(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('not true within 5 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}
