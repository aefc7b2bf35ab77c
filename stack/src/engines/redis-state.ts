// Redis for state that must not be lost: sessions, login counters, user
// tombstones, page generations, the projections' watermarks and their
// announcements, the lab's results. A second instance beside the cache
// (redis.ts) so that filling the cache cannot evict any of it: this one never
// evicts (noeviction), and at its memory limit a write fails loudly instead.
// Every key here is small and bounded by the data or expires on its own
// (see docs/adr/0015-two-redis-instances.md).
import { Redis } from 'ioredis';
import { endpoints, urls } from './endpoints.ts';
import { defineRedis } from './redis.ts';

/** Key patterns of state that lived in the cache instance before the split: copied over once, on the first start. */
export const STATE_PATTERNS = ['session:*', 'user-sessions:*', 'login-attempts:*', 'user:*:deleted', 'posts:gen', 'feed:gen:*', 'wm:*', 'visible:*', 'lab:experiments'] as const;

export const redisState = defineRedis({
  name: 'redis-state',
  title: 'Redis (state, never evicts)',
  endpoint: () => endpoints.redisState,
  memoryNote: 'Far above what the state needs (a few MB per thousand users); a guard against a runaway, not a cache size.',
  maxmemory: '1gb',
  policy: 'noeviction',
  afterHealthy: () => adoptStateFromCache(),
});

/**
 * A stack made before the split kept its state in the cache instance. On the
 * state instance's first start (nothing in it yet), copy those keys over, so
 * sessions stay signed in and watermarks and tombstones carry on. Copies only
 * (the cache's leftovers expire or are evicted); never overwrites; skipped when
 * the cache does not answer.
 */
async function adoptStateFromCache(): Promise<void> {
  const options = { lazyConnect: true, connectTimeout: 2000, commandTimeout: 5000, maxRetriesPerRequest: 0, retryStrategy: () => null };
  const state = new Redis(urls.redisState, options);
  const cache = new Redis(urls.redis, options);
  state.on('error', () => undefined);
  cache.on('error', () => undefined);
  try {
    await state.connect();
    if ((await state.dbsize()) > 0) return;
    try {
      await cache.connect();
    } catch {
      return;
    }
    for (const pattern of STATE_PATTERNS) {
      for await (const keys of cache.scanStream({ match: pattern, count: 1000 }) as AsyncIterable<string[]>) {
        for (const key of keys) {
          // DUMP/RESTORE keeps the type and the remaining TTL; a key gone meanwhile is skipped.
          const [dump, ttlMs] = await Promise.all([cache.dumpBuffer(key), cache.pttl(key)]);
          if (dump === null || ttlMs === -2) continue;
          await state.restore(key, ttlMs > 0 ? ttlMs : 0, dump).catch(() => undefined);
        }
      }
    }
  } finally {
    state.disconnect();
    cache.disconnect();
  }
}
