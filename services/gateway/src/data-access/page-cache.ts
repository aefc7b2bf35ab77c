// Cached pages of posts and feeds. A page's key carries the generations it was
// built from; the cache projection bumps a generation when something changes,
// so old pages are simply never read again and expire. A failing Redis means
// "not cached": the page is built from the services.
//
// Under writes every read may find a new generation; building a page costs a
// lookup per post, so one build per page runs at a time in this process and
// every reader asking meanwhile gets that build (no pile-up on the store).
import type { Redis } from 'ioredis';
import type { Logger } from '@polyglot/platform/logger';

export const PAGE_TTL_S = 60;

export function createPageCache(redis: Redis, logger: Logger) {
  const inFlight = new Map<string, Promise<unknown>>();
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

    /** The cached page under key, or one build of it shared by everyone asking now; key null: not cached. */
    async load<T>(key: string | null, build: () => Promise<T>): Promise<T> {
      if (key === null) return build();
      const cached = await this.get<T>(key);
      if (cached) return cached;
      let flight = inFlight.get(key) as Promise<T> | undefined;
      if (!flight) {
        flight = (async () => {
          const page = await build();
          await this.set(key, page);
          return page;
        })().finally(() => inFlight.delete(key));
        inFlight.set(key, flight);
      }
      return flight;
    },
  };
}
export type PageCache = ReturnType<typeof createPageCache>;
