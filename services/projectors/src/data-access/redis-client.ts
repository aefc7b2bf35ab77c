// The Redis connections: the cache (profiles) and the state store (tombstones,
// page generations), two instances so that filling the cache cannot evict
// state. Short limits and no offline queue: when Redis is down a command fails
// at once (a quick 503, a waiting projection) instead of piling up in memory
// until it comes back.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { StoreUnavailableError } from '@polyglot/platform/errors';

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
    retryStrategy: (times) => Math.min(times * 100, 2000),
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
 * Runs a Redis call, turning "Redis does not answer" into a 503 naming it. A
 * reply error (Redis answered "no") is the caller's to handle; every other
 * failure (refused, closed, timed out, not connected, out of memory) means unavailable.
 */
export async function guarded<T>(work: () => Promise<T>, store = STORE_NAME): Promise<T> {
  try {
    return await work();
  } catch (error) {
    // A full state store (noeviction: OOM) refuses writes until it has room: that is unavailable, not a bad message.
    if ((error as Error)?.name === 'ReplyError' && !/^OOM/.test((error as Error).message)) throw error;
    throw new StoreUnavailableError(store, error);
  }
}
