// Redis for state that must not be lost: sessions, login counters, user
// tombstones, page generations, the projections' watermarks and their
// announcements, the lab's results. A second instance beside the cache
// (redis.ts) so that filling the cache cannot evict any of it: this one never
// evicts (noeviction), and at its memory limit a write fails loudly instead.
// Every key here is small and bounded by the data or expires on its own
// (see docs/ARCHITECTURE-NOTES.md, "Two Redis instances").
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { endpoints, HOST, urls } from './endpoints.ts';
import { withTimeout, type Engine } from './engine.ts';
import { writeRedisConfig } from './redis.ts';

const CONFIG = `# Written by the stack at every start; edit stack/src/engines/redis-state.ts instead.
bind ${HOST}
port ${endpoints.redisState.port}
protected-mode yes
daemonize no
logfile ""
dir /srv/data
appendonly yes
appendfsync everysec
# Far above what the state needs (a few MB per thousand users); a guard against a runaway, not a cache size.
maxmemory 1gb
maxmemory-policy noeviction
`;

/** Key patterns of state that lived in the cache instance before the split: copied over once, on the first start. */
export const STATE_PATTERNS = ['session:*', 'user-sessions:*', 'login-attempts:*', 'user:*:deleted', 'posts:gen', 'feed:gen:*', 'wm:*', 'visible:*', 'lab:experiments'] as const;

export const redisState: Engine = {
  name: 'redis-state',
  kind: 'engine',
  title: 'Redis (state, never evicts)',
  address: `${HOST}:${endpoints.redisState.port}`,
  ports: [endpoints.redisState.port],
  needs: ['debianRoot'],
  dependsOn: [],
  stopSignal: 'SIGTERM',
  stopTimeoutMs: 15_000,
  startTimeoutMs: 30_000,

  async prepare(ctx) {
    await writeRedisConfig(join(ctx.dataDir, 'redis.conf'), CONFIG, endpoints.redisState.password);
  },

  launch() {
    return { argv: ['/usr/bin/redis-server', '/srv/data/redis.conf'], binds: [] };
  },

  async probe() {
    const client = new Redis({ host: HOST, port: endpoints.redisState.port, password: endpoints.redisState.password, lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      return await withTimeout('redis-state probe', 3000, (async () => {
        await client.connect();
        const info = await client.info('server');
        return { version: `Redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'}` };
      })());
    } finally {
      client.disconnect();
    }
  },

  async afterHealthy() {
    await adoptStateFromCache();
  },
};

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
