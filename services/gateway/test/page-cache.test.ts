// The page cache through the real Redis: a page is built once, kept decoded in
// the process for as long as Redis keeps it, and forgotten when the
// generations go back (Redis lost its data).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { createPageCache } from '../src/data-access/page-cache.ts';
import { redisClient, unique } from './support.ts';

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
  await new Promise((r) => setTimeout(r, 350));
  assert.deepEqual(await pages.get(key), { items: ['rewritten'] }, 'after its Redis life the copy is read again');
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
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(await pages.load(key, build), { v: 'new' });
  assert.ok((await redis.pttl(key)) > 50_000, 'the rebuilt page has a whole life in Redis');
  assert.equal(builds, 1);
  await redis.del(key);
});
