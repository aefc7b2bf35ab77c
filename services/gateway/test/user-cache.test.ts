// The profile cache's fill across the two Redis instances: profiles in the
// cache, tombstones in the state store. A fill that meets a tombstone, or
// cannot look for one, is taken back; a fill never overwrites what is there.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import type { User } from '@polyglot/contracts/api';
import { userKey, userTombstoneKey } from '@polyglot/contracts/cache-keys';
import { createRedis } from '../src/data-access/redis.ts';
import { createUserCache } from '../src/data-access/user-cache.ts';
import { redisClient, stateRedisClient } from './support.ts';

const logger = pino({ level: 'silent' });
let redis: Redis;
let state: Redis;
const ids: number[] = [];
before(() => {
  redis = redisClient();
  state = stateRedisClient();
});
after(async () => {
  if (ids.length > 0) {
    await redis.del(...ids.map((id) => userKey(id)));
    await state.del(...ids.map((id) => userTombstoneKey(id)));
  }
  redis.disconnect();
  state.disconnect();
});

// Far above the stack's own ids, so the running projection never writes them.
const user = (name: string): User => {
  const id = 9_000_000_000 + randomInt(1_000_000_000);
  ids.push(id);
  return { id, email: `${id}@example.test`, name, created_at: '2026-12-01T00:00:00.000Z', updated_at: '2026-12-01T00:00:00.000Z' } as User;
};

test('a fill caches the profile with position 0 and a TTL', async () => {
  const cache = createUserCache(redis, logger, state);
  const alive = user('Alive');
  await cache.fill([alive]);
  assert.deepEqual(JSON.parse((await redis.get(userKey(alive.id)))!), { id: alive.id, email: alive.email, name: 'Alive', created_at: alive.created_at, updated_at: alive.updated_at, position: 0 });
  assert.ok((await redis.ttl(userKey(alive.id))) > 0);
  assert.deepEqual([...(await cache.get([alive.id])).values()], [{ id: alive.id, name: 'Alive', email: alive.email }]);
});

test('a fill over a tombstone in the state store is taken back; the others in the batch stay', async () => {
  const cache = createUserCache(redis, logger, state);
  const [gone, kept] = [user('Gone'), user('Kept')];
  await state.set(userTombstoneKey(gone.id), '100', 'EX', 60);
  await cache.fill([gone, kept]);
  assert.equal(await redis.exists(userKey(gone.id)), 0, 'no profile for a deleted user');
  assert.equal(await redis.exists(userKey(kept.id)), 1);
});

test('a fill never overwrites a profile the projection wrote', async () => {
  const cache = createUserCache(redis, logger, state);
  const projected = user('Fresh');
  const entry = JSON.stringify({ ...projected, name: 'Projected', position: 42 });
  await redis.set(userKey(projected.id), entry);
  await cache.fill([projected]);
  assert.equal(await redis.get(userKey(projected.id)), entry);
});

test('with the state store away the fill is taken back: a miss, never a deleted profile brought back', async () => {
  const away = createRedis('redis://127.0.0.1:1', logger, 'state');
  try {
    const cache = createUserCache(redis, logger, away);
    const unsure = user('Unsure');
    await cache.fill([unsure]);
    assert.equal(await redis.exists(userKey(unsure.id)), 0);
  } finally {
    away.disconnect();
  }
});
