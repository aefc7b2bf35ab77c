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
// answer, so a hot page's expiry never makes its readers wait for a build.
// Staleness stays bounded by the TTL.
//
// Under writes the generation moves with every change (50 times a second at 50
// posts a second), so every reader would find no page for the newest generation
// and wait for its build. A reader that may be served stale (a read without a
// consistency token) instead gets the newest page this process holds of the same
// page (its family: the key without the generations) while one build of the new
// generation runs behind it: readers never queue behind builds, and what they see
// is at most one build behind, and at most STALE_FOR_MS old (after a quiet spell
// the first reader waits for the build). A read with a token waits for the build,
// since it must show the change its token names. Such a reader is also answered a
// page found current less than FRESH_FOR_MS ago without the generations being
// read again, so that a hot page costs no round trip at all.
//
// The generations are state, read from the state store (they never go back
// there, so a key never names an older build); the pages are cache. What a
// client can make the cache hold is bounded twice: a page bigger than
// maxPageBytes is served but not cached, and each posts generation admits at
// most maxPagesPerGeneration new pages per page lifetime (any `before=` a
// client sends is a new key); beyond it pages are served uncached, while pages
// already cached are still refreshed.
import type { Redis } from 'ioredis';
import type { Logger } from '@polyglot/platform/logger';

export const PAGE_TTL_S = 60;
/** A page bigger than this, serialised, is served but not cached. */
export const MAX_PAGE_BYTES = 1024 * 1024;
/** New pages admitted per posts generation and page lifetime. */
export const MAX_PAGES_PER_GENERATION = 500;
/** How often at most a page served uncached is logged (with the counts since). */
const REPORT_EVERY_MS = 60_000;

// KEYS[1] the page, KEYS[2] its generation's count of new pages; ARGV[1] the page, ARGV[2] TTL in seconds, ARGV[3] the cap.
// A page already cached is rewritten freely (a refresh); a new one only while the count is under the cap. 1: cached.
const CACHE_WITHIN_BUDGET = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  local n = redis.call('INCR', KEYS[2])
  if n == 1 then redis.call('EXPIRE', KEYS[2], tonumber(ARGV[2])) end
  if n > tonumber(ARGV[3]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
return 1`;

export interface PageCacheOptions {
  localPages?: number;
  refreshAheadMs?: number;
  /** Where the generations are (the state store); the cache's own client when absent. */
  generations?: Redis;
  maxPageBytes?: number;
  maxPagesPerGeneration?: number;
}

type BudgetedRedis = Redis & { cacheWithinBudget(page: string, budget: string, value: string, ttlS: number, cap: number): Promise<number> };
/** Pages kept decoded in this process: the first pages of GET /posts and of the feeds read most. */
export const LOCAL_PAGES = 64;
/** A page read with less life left than this is rebuilt in the background. */
export const REFRESH_AHEAD_MS = 10_000;

/** Families whose newest page this process keeps for stale reads. */
const LATEST_FAMILIES = 256;
/** The oldest a page answered while its successor builds may be. */
export const STALE_FOR_MS = 2000;
/**
 * How long a page found current may be answered to a stale-allowed reader without looking at the
 * generations again: at thousands of reads a second, one look per page and window instead of one
 * state-store round trip per read. It adds at most this much to what an eventual reader may miss.
 */
export const FRESH_FOR_MS = 100;

interface Found<T> {
  value: T;
  /** Date.now() at which Redis drops the page; Infinity when it has no TTL. */
  expiresAt: number;
}

export function createPageCache(redis: Redis, logger: Logger, options: PageCacheOptions = {}) {
  const inFlight = new Map<string, Promise<unknown>>();
  const generationStore = options.generations ?? redis;
  const maxPageBytes = options.maxPageBytes ?? MAX_PAGE_BYTES;
  const maxPages = options.maxPagesPerGeneration ?? MAX_PAGES_PER_GENERATION;
  if (!('cacheWithinBudget' in redis)) redis.defineCommand('cacheWithinBudget', { numberOfKeys: 2, lua: CACHE_WITHIN_BUDGET });
  const budgeted = redis as BudgetedRedis;
  const uncached = { tooBig: 0, overBudget: 0 };
  let unreported = 0;
  let reportedAt = 0;
  const served = (why: keyof typeof uncached, key: string, bytes: number) => {
    uncached[why] += 1;
    unreported += 1;
    if (Date.now() - reportedAt < REPORT_EVERY_MS) return;
    logger.warn({ key, bytes, why, since: unreported, maxPageBytes, maxPagesPerGeneration: maxPages }, 'a page was served but not cached (too big, or its generation has cached its share of new pages)');
    reportedAt = Date.now();
    unreported = 0;
  };
  // Insertion order is recency order: a hit moves its entry to the end, the oldest goes first.
  const local = new Map<string, { value: unknown; expiresAt: number }>();
  const localPages = options.localPages ?? LOCAL_PAGES;
  const refreshAheadMs = options.refreshAheadMs ?? REFRESH_AHEAD_MS;
  const highest = new Map<string, number>();
  // family → the newest page built or read here (insertion order is recency order); at: when it was
  // last known to be current (built, or found under the newest generations).
  const latest = new Map<string, { age: number; value: unknown; at: number }>();
  const remember = (family: string | undefined, age: number, value: unknown) => {
    if (family === undefined) return;
    // A build of an older generation that ends after a newer one does not replace it.
    if ((latest.get(family)?.age ?? -1) > age) return;
    latest.delete(family);
    latest.set(family, { age, value, at: Date.now() });
    while (latest.size > LATEST_FAMILIES) latest.delete(latest.keys().next().value!);
  };
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
  const set = async (key: string, value: unknown, budget: string | undefined): Promise<void> => {
    const text = JSON.stringify(value);
    const bytes = Buffer.byteLength(text);
    if (bytes > maxPageBytes) return served('tooBig', key, bytes);
    keep(key, value, PAGE_TTL_S * 1000);
    try {
      if (budget === undefined) await redis.set(key, text, 'EX', PAGE_TTL_S);
      else if ((await budgeted.cacheWithinBudget(key, budget, text, PAGE_TTL_S, maxPages)) !== 1) {
        local.delete(key);
        served('overBudget', key, bytes);
      }
    } catch (error) {
      logger.debug({ err: error, key }, 'page cache write failed');
    }
  };
  const rebuild = <T>(key: string, build: () => Promise<T>, budget: string | undefined): Promise<T> => {
    let flight = inFlight.get(key) as Promise<T> | undefined;
    if (!flight) {
      flight = (async () => {
        const page = await build();
        await set(key, page, budget);
        return page;
      })().finally(() => inFlight.delete(key));
      inFlight.set(key, flight);
    }
    return flight;
  };
  return {
    /** The generations under these keys (0 when never bumped), or null when Redis does not answer. */
    async generations(keys: readonly string[]): Promise<number[] | null> {
      // The cache projection bumps the generations only after it has written the cache. While the cache
      // is down it waits, so the generations stop moving and would go on naming pages (kept here) that
      // no longer show the latest names: with the cache down, nothing is served from it.
      if (redis.status !== 'ready') return null;
      try {
        const values = keys.length === 1 ? [await generationStore.get(keys[0]!)] : await generationStore.mget(...keys);
        return values.map((v, i) => {
          const n = Number(v ?? 0);
          const generation = Number.isSafeInteger(n) ? n : 0;
          // A generation that went back (the state store lost its data) would name pages built before: forget them.
          if (generation < (highest.get(keys[i]!) ?? 0)) {
            local.clear();
            latest.clear();
          }
          if (highest.size > 10_000) highest.clear();
          highest.set(keys[i]!, generation);
          return generation;
        });
      } catch (error) {
        logger.debug({ err: error }, 'generation read failed; not caching');
        return null;
      }
    },

    /**
     * The newest page of a family when it was known current less than FRESH_FOR_MS ago, else null
     * (then read the generations and load). Only for readers that may be served stale.
     */
    fresh<T>(family: string): T | null {
      const held = latest.get(family);
      return held !== undefined && Date.now() - held.at < FRESH_FOR_MS ? (held.value as T) : null;
    },

    async get<T>(key: string): Promise<T | null> {
      return (await lookup<T>(key))?.value ?? null;
    },

    /**
     * The cached page under key, or one build of it shared by everyone asking now; key null: not cached.
     * budget: the key counting the new pages of the page's generation (pageBudgetKey); absent: no cap.
     * family: the page's key without its generations, and age: a number that grows with them; with
     * stale, the newest page of the family this process holds is answered while the build of key runs
     * behind it (see above).
     */
    async load<T>(key: string | null, build: () => Promise<T>, budget?: string, options: { family?: string; age?: number; stale?: boolean } = {}): Promise<T> {
      if (key === null) return build();
      const cached = await lookup<T>(key);
      if (!cached) {
        const previous = options.family === undefined ? undefined : latest.get(options.family);
        const building = rebuild(key, build, budget).then((value) => {
          remember(options.family, options.age ?? 0, value);
          return value;
        });
        if (options.stale && previous && Date.now() - previous.at <= STALE_FOR_MS) {
          building.catch((error: unknown) => logger.warn({ err: error, key }, 'building a page behind a stale answer failed; it will be built on its next read'));
          return previous.value as T;
        }
        return building;
      }
      remember(options.family, options.age ?? 0, cached.value);
      if (cached.expiresAt - Date.now() < refreshAheadMs && !inFlight.has(key)) {
        rebuild(key, build, budget).catch((error: unknown) => logger.warn({ err: error, key }, 'refreshing a cached page failed; it will be built on its next read'));
      }
      return cached.value;
    },

    /** Pages served but not cached since start: too big, or over their generation's cap. */
    uncached(): { tooBig: number; overBudget: number } {
      return { ...uncached };
    },
  };
}
export type PageCache = ReturnType<typeof createPageCache>;
