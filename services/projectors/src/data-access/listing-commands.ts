// The writes of the post listings and the change journal (state store), as
// scripts so each is atomic: the projection and the reconciler's repair use them.
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

// KEYS[1] the journal, KEYS[2] its overflow mark. ARGV[1] the position, ARGV[2] the member, ARGV[3] the limit.
// GT: a redelivered older change leaves the newer position; the oldest beyond the limit go, and the mark says so.
const JOURNAL_CHANGE = `
redis.call('ZADD', KEYS[1], 'GT', ARGV[1], ARGV[2])
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
if over > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, over - 1)
  redis.call('SET', KEYS[2], '1')
end
return 1
`;

export type ListingRedis = Redis & {
  journalChange(journal: string, overflow: string, position: number, member: string, limit: number): Promise<number>;
  listPost(tombstone: string, listing: string, authorListing: string, id: string): Promise<number>;
  unlistPost(tombstone: string, listing: string, authorListing: string, id: string, ttlSeconds: number): Promise<number>;
};

/** ioredis sends a defined command as EVALSHA, in pipelines too, and loads the script when Redis does not know it. */
export function withListingCommands(state: Redis): ListingRedis {
  if (!('listPost' in state)) state.defineCommand('listPost', { numberOfKeys: 3, lua: LIST_POST });
  if (!('unlistPost' in state)) state.defineCommand('unlistPost', { numberOfKeys: 3, lua: UNLIST_POST });
  if (!('journalChange' in state)) state.defineCommand('journalChange', { numberOfKeys: 2, lua: JOURNAL_CHANGE });
  return state as ListingRedis;
}
