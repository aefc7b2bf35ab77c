// The listings of live posts that the cache projection keeps in the state
// store (contracts/cache-keys.ts): sorted sets of post ids, all with score 0,
// so ZRANGE ... BYLEX REV pages newest first from any cursor in O(log n + page),
// and ZCARD is the total. A feed merges its followees' listings inside Redis
// (one script: at most `limit` ids from each, sorted, cut to `limit`), so no
// process ever reads a whole listing. The state store never evicts: a listing
// has no holes but those the projection made.
import type { Redis } from 'ioredis';
import { authorListingKey, POSTS_LISTING_KEY } from '@polyglot/contracts/cache-keys';
import { orUnavailable, STATE_STORE } from './redis.ts';

export interface ListingPage {
  /** Newest first, at most `limit`. */
  ids: string[];
  /** Live posts in the listing (or in all the authors' listings), ignoring paging. */
  total: number;
  /** Whether an older post exists past the page. */
  hasMore: boolean;
}

// KEYS: the authors' listings. ARGV[1] the upper bound ('+' or '(ID'), ARGV[2] how many ids to return.
// Returns the total of the listings, then the newest ids among them below the bound.
//
// Only the `want` listings whose newest id (below the bound) is highest can hold a page id: those
// heads are themselves `want` ids at least as new as the `want`-th head, so nothing older than it
// belongs on the page. So each listing is asked for its head, and only those listings for the ids
// down to that threshold: at most want * want ids are sorted, whatever the number of followees.
const MERGE_LISTINGS = `
local bound = ARGV[1]
local want = tonumber(ARGV[2])
local total = 0
local heads = {}
for _, key in ipairs(KEYS) do
  total = total + redis.call('ZCARD', key)
  local head = redis.call('ZRANGE', key, bound, '-', 'BYLEX', 'REV', 'LIMIT', 0, 1)[1]
  if head then heads[#heads + 1] = { head, key } end
end
table.sort(heads, function(a, b) return a[1] > b[1] end)
local out = { total }
-- Fewer listings than ids wanted: the page may reach below every head.
local floor = #heads >= want and ('[' .. heads[want][1]) or '-'
local ids = {}
for i = 1, math.min(want, #heads) do
  local part = redis.call('ZRANGE', heads[i][2], bound, floor, 'BYLEX', 'REV', 'LIMIT', 0, want)
  for _, id in ipairs(part) do ids[#ids + 1] = id end
end
table.sort(ids, function(a, b) return a > b end)
for i = 1, math.min(want, #ids) do out[#out + 1] = ids[i] end
return out`;

type MergingRedis = Redis & { mergeListings(...args: Array<string | number>): Promise<[number, ...string[]]> };

const upperBound = (before: string | undefined): string => (before === undefined ? '+' : `(${before}`);

export function createPostListing(state: Redis) {
  if (!('mergeListings' in state)) state.defineCommand('mergeListings', { lua: MERGE_LISTINGS });
  const merging = state as MergingRedis;
  const pageOf = (total: number, ids: string[], limit: number): ListingPage => ({ ids: ids.slice(0, limit), total, hasMore: ids.length > limit });
  return {
    /** A page of every live post, newest first, older than `before` when given. */
    async page(query: { limit: number; before?: string | undefined }): Promise<ListingPage> {
      return orUnavailable(
        (async () => {
          const results = await state
            .pipeline()
            .zrange(POSTS_LISTING_KEY, upperBound(query.before), '-', 'BYLEX', 'REV', 'LIMIT', 0, query.limit + 1)
            .zcard(POSTS_LISTING_KEY)
            .exec();
          const failed = results?.find(([error]) => error)?.[0];
          if (failed || !results) throw failed ?? new Error('the state store answered nothing');
          return pageOf(results[1]![1] as number, results[0]![1] as string[], query.limit);
        })(),
        STATE_STORE,
      );
    },

    /** A page of the posts of these authors, newest first (a feed). */
    async authorsPage(query: { authorIds: readonly number[]; limit: number; before?: string | undefined }): Promise<ListingPage> {
      if (query.authorIds.length === 0) return { ids: [], total: 0, hasMore: false };
      const keys = query.authorIds.map((id) => authorListingKey(id));
      const [total, ...ids] = await orUnavailable(merging.mergeListings(keys.length, ...keys, upperBound(query.before), query.limit + 1), STATE_STORE);
      return pageOf(total, ids, query.limit);
    },
  };
}
export type PostListing = ReturnType<typeof createPostListing>;
