// The Redis connections: the cache (profiles, pages) and the state store
// (sessions, login counters, tombstones, generations, watermarks, lab results),
// two instances so that filling the cache cannot evict state. Commands fail at
// once while Redis is away (no offline queue, short timeouts) so that a cache
// read falls back to the services instead of waiting; the client keeps
// reconnecting in the background.
import { Redis } from 'ioredis';
import { retryBackoffMs } from '@polyglot/platform/backoff';
import { guardStore } from '@polyglot/platform/errors';
import type { Logger } from '@polyglot/platform/logger';

/** How the state instance is named in 503s and logs. */
export const STATE_STORE = 'the state store (Redis)';

export function createRedis(url: string, logger: Logger, role: 'cache' | 'state' = 'cache'): Redis {
  const redis = new Redis(url, {
    connectionName: role === 'state' ? 'gateway-state' : 'gateway',
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 1000,
    commandTimeout: 1000,
    retryStrategy: (times) => retryBackoffMs(times, 2000),
  });
  // Log the transitions, not every failed reconnect.
  let down = false;
  redis.on('error', (error: Error) => {
    if (!down) {
      if (role === 'state') logger.warn({ err: error }, `${STATE_STORE} is unreachable; sessions and logins answer 503, strong writes time out`);
      else logger.warn({ err: error }, 'Redis (the cache) is unreachable; reads go to the services directly');
    }
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info({ role }, 'Redis is back');
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

/** For what has no fallback (sessions, login counters: the state store): Redis away is 503 naming it. */
export function orUnavailable<T>(work: Promise<T>, store = STATE_STORE): Promise<T> {
  return guardStore(store, () => work);
}
