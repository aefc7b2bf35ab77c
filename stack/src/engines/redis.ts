// Redis as the cache: profiles and pages, evicted least-recently-used at its
// memory limit. What must not be lost lives in redis-state.ts instead.
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { endpoints, HOST } from './endpoints.ts';
import { withTimeout, type Engine } from './engine.ts';

const CONFIG = `# Written by the stack at every start; edit stack/src/engines/redis.ts instead.
bind ${HOST}
port ${endpoints.redis.port}
protected-mode yes
daemonize no
logfile ""
dir /srv/data
appendonly yes
appendfsync everysec
maxmemory 256mb
maxmemory-policy allkeys-lru
`;

export const redis: Engine = {
  name: 'redis',
  kind: 'engine',
  title: 'Redis (cache)',
  address: `${HOST}:${endpoints.redis.port}`,
  ports: [endpoints.redis.port],
  needs: ['debianRoot'],
  dependsOn: [],
  stopSignal: 'SIGTERM',
  stopTimeoutMs: 15_000,
  startTimeoutMs: 30_000,

  async prepare(ctx) {
    await writeRedisConfig(join(ctx.dataDir, 'redis.conf'), CONFIG, endpoints.redis.password);
  },

  launch() {
    return { argv: ['/usr/bin/redis-server', '/srv/data/redis.conf'], binds: [] };
  },

  async probe() {
    const client = new Redis({ host: HOST, port: endpoints.redis.port, password: endpoints.redis.password, lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      return await withTimeout('redis probe', 3000, (async () => {
        await client.connect();
        const info = await client.info('server');
        return { version: `Redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'}` };
      })());
    } finally {
      client.disconnect();
    }
  },
};

/**
 * The config with the stack's password as `requirepass`, written at every start, so a data folder made
 * before the stack had credentials takes them at its next start. Only the engine's user may read it.
 */
export async function writeRedisConfig(file: string, config: string, password: string): Promise<void> {
  await writeFile(file, `${config}requirepass ${password}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}
