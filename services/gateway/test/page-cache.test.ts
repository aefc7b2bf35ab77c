// The page cache through the real Redis: a page is built once, kept decoded in
// the process for as long as Redis keeps it, and forgotten when the
// generations go back (Redis lost its data); the generations come from the
// state store; a page too big, or one past its generation's share, is served
// but not cached.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { createPageCache, FRESH_FOR_MS } from '../src/data-access/page-cache.ts';
import { waitFor } from '@polyglot/platform/wait-for';
import { redisClient, stateRedisClient, unique } from './support.ts';

let redis: Redis;
before(() => {
  redis = redisClient();
});
after(() => redis.quit());

test('a page is built once; later reads get the same object, without asking Redis', async () => {
  const pages = createPageCache(redis, pino({ level: 'silent' }));
  const key = `test:page:${unique('once')}`;
  let builds = 0;
  const build = async () => ({ items: [{ n: ++builds }] });
  const first = await pages.load(key, build);
  assert.deepEqual(JSON.parse((await redis.get(key))!), first, 'the page is in Redis for the other gateways');
  await redis.del(key);
  const again = await pages.load(key, build);
  assert.equal(again, first, 'the kept copy answers: same object, no second build');
  assert.equal(builds, 1);
});

test('a page read from Redis is kept only as long as Redis keeps it', async () => {
  const pages = createPageCache(redis, pino({ level: 'silent' }));
  const key = `test:page:${unique('ttl')}`;
  await redis.set(key, JSON.stringify({ items: ['from redis'] }), 'PX', 300);
  assert.deepEqual(await pages.get(key), { items: ['from redis'] });
  await redis.set(key, JSON.stringify({ items: ['rewritten'] }), 'PX', 60_000);
  assert.deepEqual(await pages.get(key), { items: ['from redis'] }, 'still the kept copy');
  // Redis forgets the first value 300 ms after it was set; the kept copy goes with it.
  await waitFor('the kept copy to end with its Redis life', async () => JSON.stringify(await pages.get(key)) === JSON.stringify({ items: ['rewritten'] }), { timeoutMs: 5000, intervalMs: 25 });
});

test('a generation that went back forgets the pages kept here', async () => {
  const pages = createPageCache(redis, pino({ level: 'silent' }));
  const generation = `test:generation:${unique('gen')}`;
  const key = `test:page:${unique('gen')}`;
  await redis.set(generation, '5');
  assert.deepEqual(await pages.generations([generation]), [5]);
  await pages.load(key, async () => ({ built: 'before' }));
  await redis.del(key, generation);
  assert.deepEqual(await pages.generations([generation]), [0]);
  assert.deepEqual(await pages.load(key, async () => ({ built: 'after' })), { built: 'after' });
  await redis.del(key);
});

test('with no room kept locally, every read goes to Redis', async () => {
  const pages = createPageCache(redis, pino({ level: 'silent' }), { localPages: 0 });
  const key = `test:page:${unique('none')}`;
  await pages.load(key, async () => ({ v: 1 }));
  await redis.set(key, JSON.stringify({ v: 2 }), 'EX', 30);
  assert.deepEqual(await pages.load(key, async () => ({ v: 3 })), { v: 2 });
  await redis.del(key);
});

test('a page in its last seconds is answered at once and rebuilt behind the answer', async () => {
  const pages = createPageCache(redis, pino({ level: 'silent' }), { refreshAheadMs: 5_000 });
  const key = `test:page:${unique('ahead')}`;
  await redis.set(key, JSON.stringify({ v: 'old' }), 'PX', 2_000);
  let builds = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const build = async () => {
    builds++;
    await gate;
    return { v: 'new' };
  };
  assert.deepEqual(await pages.load(key, build), { v: 'old' }, 'the reader does not wait for the build');
  assert.deepEqual(await pages.load(key, build), { v: 'old' });
  assert.equal(builds, 1, 'one background build, however many read meanwhile');
  release();
  await waitFor('the rebuilt page', async () => (await pages.load(key, build)).v === 'new', { timeoutMs: 5000, intervalMs: 10 });
  assert.ok((await redis.pttl(key)) > 50_000, 'the rebuilt page has a whole life in Redis');
  assert.equal(builds, 1);
  await redis.del(key);
});

test('the generations are read from the state store, the pages kept in the cache', async () => {
  const state = stateRedisClient();
  try {
    const pages = createPageCache(redis, pino({ level: 'silent' }), { generations: state });
    const generation = `test:generation:${unique('state')}`;
    await state.set(generation, '7');
    await redis.set(generation, '3');
    assert.deepEqual(await pages.generations([generation]), [7]);
    await state.del(generation);
    await redis.del(generation);
  } finally {
    state.disconnect();
  }
});

test('a page bigger than the limit is served but not cached, here or in Redis', async () => {
  const pages = createPageCache(redis, pino({ level: 'silent' }), { maxPageBytes: 1000 });
  const key = `test:page:${unique('big')}`;
  let builds = 0;
  const build = async () => ({ n: ++builds, body: 'x'.repeat(2000) });
  assert.equal((await pages.load(key, build)).n, 1);
  assert.equal(await redis.exists(key), 0, 'not in Redis');
  assert.equal((await pages.load(key, build)).n, 2, 'built again: not kept here either');
  assert.deepEqual(pages.uncached(), { tooBig: 2, overBudget: 0 });
  const small = `test:page:${unique('small')}`;
  await pages.load(small, async () => ({ body: 'x'.repeat(500) }));
  assert.equal(await redis.exists(small), 1, 'a page under the limit is cached');
  await redis.del(small);
});

test('a generation caches at most its share of new pages; cached ones are still refreshed, the next generation starts afresh', async () => {
  const pages = createPageCache(redis, pino({ level: 'silent' }), { maxPagesPerGeneration: 3, localPages: 0 });
  const budget = `test:budget:${unique('cap')}`;
  const next = `test:budget:${unique('cap-next')}`;
  const keys = Array.from({ length: 6 }, (_, i) => `test:page:${unique(`cap-${i}`)}`);
  try {
    for (const [i, key] of keys.entries()) await pages.load(key, async () => ({ i }), budget);
    const cached = await Promise.all(keys.map((k) => redis.exists(k)));
    assert.deepEqual(cached, [1, 1, 1, 0, 0, 0], 'the first three are cached, the rest served uncached');
    assert.deepEqual(pages.uncached(), { tooBig: 0, overBudget: 3 });
    assert.ok((await redis.ttl(budget)) > 0, 'the count expires with the pages it counts');

    // A refresh of a cached page is no new page: it is written even with the share spent.
    await redis.pexpire(keys[0]!, 1000);
    const refreshing = createPageCache(redis, pino({ level: 'silent' }), { maxPagesPerGeneration: 3, localPages: 0, refreshAheadMs: 5000 });
    await refreshing.load(keys[0]!, async () => ({ i: 'refreshed' }), budget);
    await waitFor('the refreshed page', async () => (await redis.pttl(keys[0]!)) > 5000, { timeoutMs: 2000 });
    assert.deepEqual(JSON.parse((await redis.get(keys[0]!))!), { i: 'refreshed' });

    await pages.load(keys[5]!, async () => ({ i: 5 }), next);
    assert.equal(await redis.exists(keys[5]!), 1, 'a new generation has its own share');
  } finally {
    await redis.del(...keys, budget, next);
  }
});

test('a page found current is answered from memory for FRESH_FOR_MS to stale-allowed readers, then the generations are read again', async () => {
  const pages = createPageCache(redis, pino({ level: 'silent' }));
  const family = `test:family:${unique('fresh')}`;
  assert.equal(pages.fresh(family), null, 'nothing held yet');
  const first = await pages.load(`${family}:g1`, async () => ({ items: ['g1'] }), undefined, { family, age: 1 });
  assert.equal(pages.fresh(family), first, 'just built: current');
  await new Promise((resolve) => setTimeout(resolve, FRESH_FOR_MS + 20));
  assert.equal(pages.fresh(family), null, 'past the window: the reader must look at the generations');
  // Reading the page under the newest generation again makes it current again.
  assert.equal(await pages.load(`${family}:g1`, async () => ({ items: ['never built'] }), undefined, { family, age: 1 }), first);
  assert.equal(pages.fresh(family), first);
});
