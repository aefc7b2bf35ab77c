// Cached pages of posts and feeds. A page's key carries the generations it was
// built from; the cache projection bumps a generation when something changes,
// so old pages are simply never read again and expire. A failing Redis means
// "not cached": the page is built from the services.
//
// Under writes every read may find a new generation; building a page costs a
// lookup per post, so one build per page runs at a time in this process and
// every reader asking meanwhile gets that build (no pile-up on the store).
//
// The pages read most are also kept here, decoded, until their Redis copy
// expires: a key names one build only, so the copy here cannot be staler than
// Redis's, and a hot page costs no GET, no JSON.parse and (as the same object
// comes back) no second serialisation (see serialized-once.ts).
//
// A page read in its last seconds is answered as it is and rebuilt behind the
// answer, so a hot page's expiry never makes its readers wait for a build
// (one such wait held 500 reads a second for 70 ms). Staleness stays bounded by
// the TTL, as before.
import type { Redis } from 'ioredis';
import type { Logger } from '@polyglot/platform/logger';

export const PAGE_TTL_S = 60;
/** Pages kept decoded in this process: the first pages of GET /posts and of the feeds read most. */
export const LOCAL_PAGES = 64;
/** A page read with less life left than this is rebuilt in the background. */
export const REFRESH_AHEAD_MS = 10_000;

interface Found<T> {
  value: T;
  /** Date.now() at which Redis drops the page; Infinity when it has no TTL. */
  expiresAt: number;
}

export function createPageCache(redis: Redis, logger: Logger, options: { localPages?: number; refreshAheadMs?: number } = {}) {
  const inFlight = new Map<string, Promise<unknown>>();
  // Insertion order is recency order: a hit moves its entry to the end, the oldest goes first.
  const local = new Map<string, { value: unknown; expiresAt: number }>();
  const localPages = options.localPages ?? LOCAL_PAGES;
  const refreshAheadMs = options.refreshAheadMs ?? REFRESH_AHEAD_MS;
  const highest = new Map<string, number>();
  const keep = (key: string, value: unknown, ttlMs: number) => {
    if (ttlMs <= 0 || localPages === 0) return;
    local.delete(key);
    local.set(key, { value, expiresAt: Date.now() + ttlMs });
    while (local.size > localPages) local.delete(local.keys().next().value!);
  };
  const kept = <T>(key: string): Found<T> | null => {
    const entry = local.get(key);
    if (!entry) return null;
    local.delete(key);
    if (entry.expiresAt <= Date.now()) return null;
    local.set(key, entry);
    return entry as Found<T>;
  };
  const lookup = async <T>(key: string): Promise<Found<T> | null> => {
    const hit = kept<T>(key);
    if (hit) return hit;
    try {
      // With its remaining life, so the copy kept here expires with Redis's.
      const [[, raw], [, ttlMs]] = (await redis.pipeline().get(key).pttl(key).exec()) as [[Error | null, string | null], [Error | null, number]];
      if (raw === null || raw === undefined) return null;
      const value = JSON.parse(raw) as T;
      keep(key, value, ttlMs);
      return { value, expiresAt: ttlMs > 0 ? Date.now() + ttlMs : Number.POSITIVE_INFINITY };
    } catch (error) {
      logger.debug({ err: error, key }, 'page cache read failed');
      return null;
    }
  };
  const set = async (key: string, value: unknown): Promise<void> => {
    keep(key, value, PAGE_TTL_S * 1000);
    try {
      await redis.set(key, JSON.stringify(value), 'EX', PAGE_TTL_S);
    } catch (error) {
      logger.debug({ err: error, key }, 'page cache write failed');
    }
  };
  const rebuild = <T>(key: string, build: () => Promise<T>): Promise<T> => {
    let flight = inFlight.get(key) as Promise<T> | undefined;
    if (!flight) {
      flight = (async () => {
        const page = await build();
        await set(key, page);
        return page;
      })().finally(() => inFlight.delete(key));
      inFlight.set(key, flight);
    }
    return flight;
  };
  return {
    /** The generations under these keys (0 when never bumped), or null when Redis does not answer. */
    async generations(keys: readonly string[]): Promise<number[] | null> {
      try {
        const values = keys.length === 1 ? [await redis.get(keys[0]!)] : await redis.mget(...keys);
        return values.map((v, i) => {
          const n = Number(v ?? 0);
          const generation = Number.isSafeInteger(n) ? n : 0;
          // A generation that went back (Redis lost its data) would name pages built before: forget them.
          if (generation < (highest.get(keys[i]!) ?? 0)) local.clear();
          if (highest.size > 10_000) highest.clear();
          highest.set(keys[i]!, generation);
          return generation;
        });
      } catch (error) {
        logger.debug({ err: error }, 'generation read failed; not caching');
        return null;
      }
    },

    async get<T>(key: string): Promise<T | null> {
      return (await lookup<T>(key))?.value ?? null;
    },

    /** The cached page under key, or one build of it shared by everyone asking now; key null: not cached. */
    async load<T>(key: string | null, build: () => Promise<T>): Promise<T> {
      if (key === null) return build();
      const cached = await lookup<T>(key);
      if (!cached) return rebuild(key, build);
      if (cached.expiresAt - Date.now() < refreshAheadMs && !inFlight.has(key)) {
        rebuild(key, build).catch((error: unknown) => logger.warn({ err: error, key }, 'refreshing a cached page failed; it will be built on its next read'));
      }
      return cached.value;
    },
  };
}
export type PageCache = ReturnType<typeof createPageCache>;
