// The two writes of the post listings (state store), as scripts so each is
// atomic: the projection and the reconciler's repair both use them.
import type { Redis } from 'ioredis';

// KEYS[1] the post's tombstone, KEYS[2] the listing, KEYS[3] its author's listing. ARGV[1] the post id.
const LIST_POST = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('ZADD', KEYS[2], 0, ARGV[1])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
return 1
`;

// Same keys; ARGV[2] the tombstone's TTL in seconds. The tombstone first, so no later list or put brings it back.
const UNLIST_POST = `
redis.call('SET', KEYS[1], '1', 'EX', tonumber(ARGV[2]))
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return 1
`;

export type ListingRedis = Redis & {
  listPost(tombstone: string, listing: string, authorListing: string, id: string): Promise<number>;
  unlistPost(tombstone: string, listing: string, authorListing: string, id: string, ttlSeconds: number): Promise<number>;
};

/** ioredis sends a defined command as EVALSHA, in pipelines too, and loads the script when Redis does not know it. */
export function withListingCommands(state: Redis): ListingRedis {
  if (!('listPost' in state)) state.defineCommand('listPost', { numberOfKeys: 3, lua: LIST_POST });
  if (!('unlistPost' in state)) state.defineCommand('unlistPost', { numberOfKeys: 3, lua: UNLIST_POST });
  return state as ListingRedis;
}
