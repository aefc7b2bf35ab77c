// Cached pages of posts and feeds. A page's key carries the generations it was
// built from; the cache projection bumps a generation when something changes,
// so old pages are simply never read again and expire. A failing Redis means
// "not cached": the page is built from the services.
//
// Building a page reads every post on FerretDB (it sorts in memory), so under
// writes, when every read finds a new generation, a page must not be built by
// every request at once: one build per page runs at a time in this process,
// and meanwhile (unless the reader asked for a fresh page, read-your-writes)
// the newest page built of the same shape is served — eventual consistency,
// stale by one build at most.
import type { Redis } from 'ioredis';
import type { Logger } from '@polyglot/platform/logger';

export const PAGE_TTL_S = 60;

export interface PageRequest {
  /** The page's key for the current generations; null when Redis does not answer (nothing cached). */
  key: string | null;
  /** Names the page whatever its generations (e.g. the first page of 50 posts), for serving the previous one. */
  shape: string;
  /** true: never serve an older generation (the reader holds a consistency token). */
  fresh: boolean;
}

const latestKey = (shape: string) => `page:latest:${shape}`;

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

    /** The cached page, or one build of it shared by everyone asking now (see the top of this file). */
    async load<T>(request: PageRequest, build: () => Promise<T>): Promise<T> {
      const { key, shape, fresh } = request;
      if (key === null) return build();
      const cached = await this.get<T>(key);
      if (cached) return cached;
      let flight = inFlight.get(key) as Promise<T> | undefined;
      if (!flight) {
        flight = (async () => {
          const page = await build();
          try {
            await redis.multi().set(key, JSON.stringify(page), 'EX', PAGE_TTL_S).set(latestKey(shape), JSON.stringify(page), 'EX', PAGE_TTL_S).exec();
          } catch (error) {
            logger.debug({ err: error, key }, 'page cache write failed');
          }
          return page;
        })().finally(() => inFlight.delete(key));
        inFlight.set(key, flight);
      }
      if (fresh) return flight;
      const previous = await this.get<T>(latestKey(shape));
      if (previous) {
        flight.catch(() => undefined); // its failure is the next reader's to see
        return previous;
      }
      return flight;
    },
  };
}
export type PageCache = ReturnType<typeof createPageCache>;
