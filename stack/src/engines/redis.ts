// Redis, twice, from one definition: the cache (profiles and pages, evicted
// least-recently-used at its memory limit) and, in redis-state.ts, the state
// that must not be lost (never evicts). Each gets the stack's password as
// `requirepass` in a config written at every start, so a data folder made
// before the stack had credentials takes them at its next start.
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { endpoints, HOST } from './endpoints.ts';
import { withTimeout, type Engine, type EngineName } from './engine.ts';

export interface RedisOptions {
  name: EngineName;
  title: string;
  /** Where the port and the password come from (read when used: the password is generated at the first up). */
  endpoint: () => { port: number; password: string };
  maxmemory: string;
  policy: 'allkeys-lru' | 'noeviction';
  /** Why this limit, written into the config beside it. */
  memoryNote?: string;
  afterHealthy?: () => Promise<void>;
}

function renderConfig(options: RedisOptions, port: number, password: string): string {
  return `# Written by the stack at every start; edit stack/src/engines instead.
bind ${HOST}
port ${port}
protected-mode yes
daemonize no
logfile ""
dir /srv/data
appendonly yes
appendfsync everysec
${options.memoryNote ? `# ${options.memoryNote}\n` : ''}maxmemory ${options.maxmemory}
maxmemory-policy ${options.policy}
requirepass ${password}
`;
}

export function defineRedis(options: RedisOptions): Engine {
  const port = options.endpoint().port;
  return {
    name: options.name,
    kind: 'engine',
    title: options.title,
    address: `${HOST}:${port}`,
    ports: [port],
    needs: ['debianRoot'],
    dependsOn: [],
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 15_000,
    startTimeoutMs: 30_000,

    async prepare(ctx) {
      // It holds the password: only the engine's user may read it.
      const file = join(ctx.dataDir, 'redis.conf');
      await writeFile(file, renderConfig(options, port, options.endpoint().password), { mode: 0o600 });
      await chmod(file, 0o600);
    },

    launch() {
      return { argv: ['/usr/bin/redis-server', '/srv/data/redis.conf'], binds: [] };
    },

    async probe() {
      const client = new Redis({ host: HOST, port, password: options.endpoint().password, lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => undefined);
      try {
        return await withTimeout(`${options.name} probe`, 3000, (async () => {
          await client.connect();
          const info = await client.info('server');
          return { version: `Redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'}` };
        })());
      } finally {
        client.disconnect();
      }
    },

    ...(options.afterHealthy ? { afterHealthy: options.afterHealthy } : {}),
  };
}

/** The cache: what it loses is rebuilt from the sources. What must not be lost lives in redis-state.ts. */
export const redis = defineRedis({
  name: 'redis',
  title: 'Redis (cache)',
  endpoint: () => endpoints.redis,
  maxmemory: '256mb',
  policy: 'allkeys-lru',
});
