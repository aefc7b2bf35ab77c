// Cached pages of posts and feeds. A page's key carries the generations it was
// built from; the cache projection bumps a generation when something changes,
// so old pages are simply never read again and expire. A failing Redis means
// "not cached": the page is built from the services.
import type { Redis } from 'ioredis';
import type { Logger } from '@polyglot/platform/logger';

export const PAGE_TTL_S = 60;

export function createPageCache(redis: Redis, logger: Logger) {
  return {
    /** The generations under these keys (0 when never bumped), or null when Redis does not answer. */
    async generations(keys: readonly string[]): Promise<number[] | null> {
      try {
        const values = keys.length === 1 ? [await redis.get(keys[0]!)] : await redis.mget(...keys);
        return values.map((v) => {
          const n = Number(v ?? 0);
          return Number.isSafeInteger(n) ? n : 0;
        });
      } catch (error) {
        logger.debug({ err: error }, 'generation read failed; not caching');
        return null;
      }
    },

    async get<T>(key: string): Promise<T | null> {
      try {
        const raw = await redis.get(key);
        return raw === null ? null : (JSON.parse(raw) as T);
      } catch (error) {
        logger.debug({ err: error, key }, 'page cache read failed');
        return null;
      }
    },

    async set(key: string, value: unknown): Promise<void> {
      try {
        await redis.set(key, JSON.stringify(value), 'EX', PAGE_TTL_S);
      } catch (error) {
        logger.debug({ err: error, key }, 'page cache write failed');
      }
    },
  };
}
export type PageCache = ReturnType<typeof createPageCache>;
