// Filling the cache cannot evict state (issue 12, section 5). The cache Redis
// evicts least-recently-used at its memory limit; sessions, login counters,
// user tombstones, page generations and the projections' watermarks live in a
// second instance that never evicts. Here the running cache is filled far past
// its limit (lowered for the test, restored after): it evicts everything old,
// a canary included, while every piece of state is intact, a session still
// authenticates and a strong write still completes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { POSTS_GENERATION_KEY, userTombstoneKey } from '@polyglot/contracts/cache-keys';
import { PROJECTIONS, watermarkKey } from '@polyglot/contracts/consistency';
import { urls } from '@polyglot/contracts/endpoints';
import { waitFor } from '@polyglot/platform/wait-for';
import { loginAttemptsKey } from '@polyglot/gateway/data-access/login-attempts.store';
import { api, callAs, createUser, gateway, runId } from './support.ts';

/** Room left above what the cache holds when the test starts. */
const HEADROOM = 4 * 1024 * 1024;
const FILLER_BYTES = 64 * 1024;

let cache: Redis;
let state: Redis;
before(() => {
  cache = new Redis(urls.redis, { maxRetriesPerRequest: 1 });
  state = new Redis(urls.redisState, { maxRetriesPerRequest: 1 });
});
after(() => {
  cache.disconnect();
  state.disconnect();
});

async function stat(client: Redis, section: string, field: string): Promise<number> {
  return Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(await client.info(section))?.[1] ?? NaN);
}

const call = (method: string, path: string, body?: unknown, token?: string) => callAs(gateway, method, path, body, token);

/** A login, once the per-address login limit (shared by every test on 127.0.0.1) lets it through. */
async function logIn(email: string, password: string): Promise<{ status: number; body: any }> {
  return waitFor('a login the shared per-address limit lets through', async () => {
    const answer = await call('POST', '/auth/login', { email, password });
    return answer.status === 429 ? null : answer;
  }, { timeoutMs: 70_000, intervalMs: 1000 });
}

test('filling the cache past maxmemory evicts cache only: sessions, login counters, tombstones, generations and watermarks stay', { timeout: 240_000 }, async () => {
  assert.deepEqual(await state.config('GET', 'maxmemory-policy'), ['maxmemory-policy', 'noeviction'], 'the state instance never evicts');

  // State of every kind, made through the API.
  const alice = await createUser('evict-a');
  const gone = await createUser('evict-gone');
  const login = await logIn(alice.email, 'correct horse battery');
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const token = login.body.token as string;
  // A wrong password counts against the email's limit: a login counter.
  assert.equal((await logIn(alice.email, 'not the password')).status, 401);
  const counterKey = loginAttemptsKey('email', alice.email.toLowerCase());
  // A strong write: every projection has raised its watermark for alice.
  const renamed = await api('PUT', `/users/${alice.id}?consistency=strong`, { email: alice.email, name: `Evict A ${runId}` });
  assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
  // A deletion: the cache projection leaves a tombstone.
  assert.equal((await api('DELETE', `/users/${gone.id}`)).status, 204);
  const tombstone = await waitFor('the deleted user’s tombstone', () => state.get(userTombstoneKey(gone.id)), { timeoutMs: 20_000 });

  const watermarks = async () => Promise.all(PROJECTIONS.map((p) => state.hget(watermarkKey(p, 'users'), String(alice.id))));
  const marksBefore = await watermarks();
  assert.ok(marksBefore.every((m) => m !== null), `watermarks for user ${alice.id}: ${marksBefore.join(', ')}`);
  const counterBefore = await state.get(counterKey);
  assert.ok(Number(counterBefore) >= 1, 'the failed login was counted in the state store');
  const generationBefore = Number(await state.get(POSTS_GENERATION_KEY));
  const stateEvictedBefore = await stat(state, 'stats', 'evicted_keys');

  const [, savedLimit] = (await cache.config('GET', 'maxmemory')) as [string, string];
  const [, savedSamples] = (await cache.config('GET', 'maxmemory-samples')) as [string, string];
  const cacheEvictedBefore = await stat(cache, 'stats', 'evicted_keys');
  const canary = `test:evict:${runId}:canary`;
  const fillers: string[] = [];
  try {
    const limit = (await stat(cache, 'memory', 'used_memory')) + HEADROOM;
    await cache.config('SET', 'maxmemory', String(limit));
    // Redis's LRU is approximate (it evicts the idlest of a few sampled keys): with many keys the canary could
    // escape every sample. More samples make it close to exact, so "the oldest key goes" is what is tested.
    await cache.config('SET', 'maxmemory-samples', '64');
    await cache.set(canary, 'the oldest key in the cache');
    // Pages keyed by any before= a client sends: the way a client fills the cache.
    for (let i = 0; i < 20; i++) assert.equal((await api('GET', `/posts?limit=5&before=${randomBytes(12).toString('hex')}`)).status, 200);
    // Then far past the limit: every old key must make room.
    const filler = 'x'.repeat(FILLER_BYTES);
    for (let i = 0; i < Math.ceil((3 * limit) / FILLER_BYTES); i++) {
      const key = `test:evict:${runId}:${i}`;
      fillers.push(key);
      await cache.set(key, filler);
    }
    const evicted = (await stat(cache, 'stats', 'evicted_keys')) - cacheEvictedBefore;
    assert.ok(evicted > fillers.length / 2, `the cache evicted (${evicted} keys)`);
    assert.equal(await cache.exists(canary), 0, 'the canary, the oldest key in the cache, was evicted: the fill reached everything');

    // Every piece of state is as it was.
    assert.equal(await stat(state, 'stats', 'evicted_keys'), stateEvictedBefore, 'the state store evicted nothing');
    assert.equal(await state.get(userTombstoneKey(gone.id)), tombstone, 'the tombstone');
    assert.deepEqual(await watermarks(), marksBefore, 'the watermarks');
    assert.equal(await state.get(counterKey), counterBefore, 'the login counter');
    assert.ok(Number(await state.get(POSTS_GENERATION_KEY)) >= generationBefore, 'the posts generation never went back');
    const me = await call('GET', '/auth/me', undefined, token);
    assert.equal(me.status, 200, `the session still authenticates: ${JSON.stringify(me.body)}`);
    assert.equal(me.body.id, alice.id);
    // Watermarks and their announcements were not lost, so a strong write completes with the cache full.
    const strong = await api('PUT', `/users/${alice.id}?consistency=strong`, { email: alice.email, name: `Evict A2 ${runId}` });
    assert.equal(strong.status, 200, JSON.stringify(strong.body));
    for (const projection of PROJECTIONS) assert.equal(typeof strong.body.consistency.visibleAfterMs[projection], 'number', projection);
  } finally {
    await cache.config('SET', 'maxmemory', savedLimit);
    await cache.config('SET', 'maxmemory-samples', savedSamples);
    for (let i = 0; i < fillers.length; i += 500) await cache.del(...fillers.slice(i, i + 500));
    await cache.del(canary);
    assert.deepEqual(await cache.config('GET', 'maxmemory'), ['maxmemory', savedLimit], 'the cache’s limit is restored');
  }

  assert.equal((await call('POST', '/auth/logout', undefined, token)).status, 204);
  assert.equal((await api('DELETE', `/users/${alice.id}`)).status, 204);
  await state.del(counterKey);
});
