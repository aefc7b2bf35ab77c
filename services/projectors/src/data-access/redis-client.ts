// The Redis connections: the cache (profiles) and the state store (tombstones,
// page generations), two instances so that filling the cache cannot evict
// state. Short limits and no offline queue: when Redis is down a command fails
// at once (a quick 503, a waiting projection) instead of piling up in memory
// until it comes back.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { retryBackoffMs } from '@polyglot/platform/backoff';
import { guardStore } from '@polyglot/platform/errors';

/** How the stores are named in 503s and logs. */
export const STORE_NAME = 'the cache store (Redis)';
export const STATE_STORE_NAME = 'the state store (Redis)';

export function createRedis(url: string, logger: Logger, connectionName = 'projectors'): Redis {
  const redis = new Redis(url, {
    connectionName,
    connectTimeout: 2000,
    commandTimeout: 2000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    // Keep reconnecting, at most every 2 s: the process recovers on its own when Redis returns.
    retryStrategy: (times) => retryBackoffMs(times, 2000),
  });
  // Log an outage once, not once per reconnect attempt; without a listener ioredis prints every error.
  let down = false;
  redis.on('error', (error: Error) => {
    if (!down) logger.warn({ err: error, connection: connectionName }, 'Redis connection failed; reconnecting');
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info({ connection: connectionName }, 'Redis connection restored');
    down = false;
  });
  return redis;
}

/** Waits (bounded) for the first connection, so the first requests do not fail needlessly; never throws. */
export async function whenReady(redis: Redis, ms: number): Promise<boolean> {
  if (redis.status === 'ready') return true;
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    redis.once('ready', onReady);
  });
}

/**
 * Runs a Redis call, turning "Redis cannot take it now" (refused, closed, timed out,
 * a full state store's OOM) into a 503 naming it; any other reply is the caller's.
 */
export function guarded<T>(work: () => Promise<T>, store = STORE_NAME): Promise<T> {
  return guardStore(store, work);
}
