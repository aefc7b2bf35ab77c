// The Redis connection: the profile and page cache, sessions and login
// counters. Commands fail at once while Redis is away (no offline queue, short
// timeouts) so that a cache read falls back to the services instead of
// waiting; the client keeps reconnecting in the background.
import { Redis } from 'ioredis';
import { StoreUnavailableError } from '@polyglot/platform/errors';
import type { Logger } from '@polyglot/platform/logger';

export const REDIS_STORE = 'Redis';

export function createRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 1000,
    commandTimeout: 1000,
    retryStrategy: (times) => Math.min(100 * times, 2000),
  });
  // Log the transitions, not every failed reconnect.
  let down = false;
  redis.on('error', (error: Error) => {
    if (!down) logger.warn({ err: error }, 'Redis is unreachable; reads go to the services directly');
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info('Redis is back');
    down = false;
  });
  return redis;
}

/** Connects, giving up after timeoutMs: a gateway without Redis still serves (uncached). */
export async function connectRedis(redis: Redis, timeoutMs = 1500): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([redis.connect().then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** For what has no fallback (sessions, login counters): a Redis failure is 503 naming Redis. */
export async function orUnavailable<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw new StoreUnavailableError(REDIS_STORE, error);
  }
}
