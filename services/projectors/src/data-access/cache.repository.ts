// Applies planned cache operations to the two Redis instances: profiles and
// posts as lists show them to the cache; tombstones, the post listings and
// page generations to the state store (which never evicts, so filling the
// cache cannot bring a deleted profile back, cut holes in a listing, or send a
// generation back to a number that names old pages).
//
// A batch runs in three round trips, in this order:
//   1. state: raise the tombstones of deleted users and posts (and take the
//      posts off the listings), list the live posts that have no tombstone, then
//      read the tombstones of the users and posts to put (so a put older than a
//      deletion in the same batch loses);
//   2. cache: each put, guarded by the position (profiles) or version (posts)
//      the cached entry holds (one Lua script, so "compare, then write" is
//      atomic even when the gateway fills the same key meanwhile), and each
//      deleted user's or post's DEL;
//   3. state: the generation bumps, after the entries they announce.
// A tombstone is written before its entry is deleted, and the gateway checks
// for a tombstone after its fill (user-cache.ts, post-cache.ts): whichever order
// the two run in, a deleted entry does not stay in the cache.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { POSTS_LISTING_KEY } from '@polyglot/contracts/cache-keys';
import type { CacheOperation } from './cache-operations.ts';
import { withListingCommands, type ListingRedis } from './listing-commands.ts';
import { guarded, STATE_STORE_NAME } from './redis-client.ts';

// KEYS[1] the entry's key. ARGV[1] its position, ARGV[2] the entry JSON, ARGV[3] the field holding the
// position in it ('position' for a profile, 'version' for a post).
// Returns 1 when written, 0 when the cache already reflects this position or a later one.
// An entry without it (a cache-aside fill by the gateway) counts as older.
const GUARDED_PUT = `
local position = tonumber(ARGV[1])
local cached = redis.call('GET', KEYS[1])
if cached then
  local ok, entry = pcall(cjson.decode, cached)
  if ok and type(entry) == 'table' then
    local cachedPosition = tonumber(entry[ARGV[3]])
    if cachedPosition and cachedPosition >= position then return 0 end
  end
end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`;
const GUARDED_PUT_SHA = createHash('sha1').update(GUARDED_PUT).digest('hex');

// KEYS[1] tombstone key. ARGV[1] position, ARGV[2] TTL in seconds. Keeps the highest position.
const RAISE_TOMBSTONE = `
local current = tonumber(redis.call('GET', KEYS[1]))
if current and current >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
return 1
`;

type PutUser = Extract<CacheOperation, { kind: 'putUser' }>;
type PutPost = Extract<CacheOperation, { kind: 'putPost' }>;

function firstError(results: Array<[Error | null, unknown]> | null): Error | null {
  return results?.find(([error]) => error)?.[0] ?? null;
}

export class CacheRepository {
  private readonly redis: Redis;
  private readonly state: ListingRedis;
  private scriptLoaded = false;

  /** cache: profiles and posts; state: tombstones, listings and generations (may be the same client in a test). */
  constructor(cache: Redis, state: Redis) {
    this.redis = cache;
    this.state = withListingCommands(state);
  }

  /** One message's operations, in order; replaying them is harmless (a bump only invalidates pages once more). */
  async apply(operations: readonly CacheOperation[]): Promise<void> {
    await this.applyMany(operations);
  }

  /**
   * Several messages' operations in three round trips (see above). A batch is all or nothing
   * for the caller: on any error it throws, and replaying it is harmless (a tombstone is kept
   * at its highest, a put is guarded by position, a generation bumped twice only invalidates
   * pages once more).
   */
  async applyMany(operations: readonly CacheOperation[]): Promise<void> {
    if (operations.length === 0) return;
    const userPuts = operations.filter((o): o is PutUser => o.kind === 'putUser');
    const postPuts = operations.filter((o): o is PutPost => o.kind === 'putPost');
    const userDeletes = operations.filter((o) => o.kind === 'deleteUser');
    const unlists = operations.filter((o) => o.kind === 'unlistPost');
    const lists = operations.filter((o) => o.kind === 'listPost');
    const bumps = operations.filter((o) => o.kind === 'bump');
    const journal = operations.filter((o) => o.kind === 'journal');

    // 1. Tombstones first: from here on no fill (gateway), put or listing (below) can keep a deleted entry.
    const dead = new Set<CacheOperation>();
    const puts = [...userPuts, ...postPuts];
    if (puts.length > 0 || userDeletes.length > 0 || unlists.length > 0 || lists.length > 0) {
      const failed = await guarded(async () => {
        const pipeline = this.state.pipeline() as ReturnType<Redis['pipeline']> & {
          listPost(...args: [string, string, string, string]): unknown;
          unlistPost(...args: [string, string, string, string, number]): unknown;
        };
        for (const d of userDeletes) pipeline.eval(RAISE_TOMBSTONE, 1, d.tombstoneKey, String(d.position), String(d.ttlSeconds));
        for (const u of unlists) pipeline.unlistPost(u.tombstoneKey, POSTS_LISTING_KEY, u.authorKey, u.id, u.ttlSeconds);
        for (const l of lists) pipeline.listPost(l.tombstoneKey, POSTS_LISTING_KEY, l.authorKey, l.id);
        for (const p of puts) pipeline.get(p.tombstoneKey);
        const results = await pipeline.exec();
        const tombstones = (results ?? []).slice(userDeletes.length + unlists.length + lists.length).map(([, value]) => value as string | null);
        puts.forEach((p, i) => {
          const tombstone = tombstones[i];
          if (tombstone === null || tombstone === undefined) return;
          // A user's tombstone holds the deletion's position; a post's only says it is gone (its ids are never reused).
          if (p.kind === 'putPost' || Number(tombstone) >= p.position) dead.add(p);
        });
        return firstError(results);
      }, STATE_STORE_NAME);
      if (failed) throw failed;
    }

    // 2. Profiles and posts, in the batch's order.
    const cacheWrites = operations.filter((o) => ((o.kind === 'putUser' || o.kind === 'putPost') && !dead.has(o)) || o.kind === 'deleteUser' || o.kind === 'unlistPost' || o.kind === 'dropPost' || o.kind === 'overwrite');
    if (cacheWrites.length > 0) {
      const run = async () => {
        const pipeline = this.redis.pipeline();
        for (const o of cacheWrites) {
          if (o.kind === 'putUser') pipeline.evalsha(GUARDED_PUT_SHA, 1, o.key, String(o.position), JSON.stringify(o.user), 'position');
          else if (o.kind === 'putPost') pipeline.evalsha(GUARDED_PUT_SHA, 1, o.key, String(o.version), JSON.stringify(o.post), 'version');
          else if (o.kind === 'deleteUser' || o.kind === 'unlistPost' || o.kind === 'dropPost') pipeline.del(o.key);
          else if (o.kind === 'overwrite') pipeline.set(o.key, o.value);
        }
        return firstError(await pipeline.exec());
      };
      const failed = await guarded(async () => {
        // Loaded once up front; after a restart or SCRIPT FLUSH (NOSCRIPT) it is loaded again and the writes resent (all idempotent).
        if (!this.scriptLoaded) {
          await this.redis.script('LOAD', GUARDED_PUT);
          this.scriptLoaded = true;
        }
        const first = await run();
        if (!first || !/NOSCRIPT/.test(first.message)) return first;
        await this.redis.script('LOAD', GUARDED_PUT);
        return run();
      });
      if (failed) throw failed;
    }

    // 3. Generations last: a page built under a new generation reads the entries written above.
    // The change journal with them: the reconciler looks at an entity only after its change is applied.
    if (bumps.length > 0 || journal.length > 0) {
      const failed = await guarded(async () => {
        const pipeline = this.state.pipeline() as ReturnType<Redis['pipeline']> & { journalChange(...args: [string, string, number, string, number]): unknown };
        // Many changes of one batch bump the same generation: once is enough to invalidate its pages.
        for (const key of new Set(bumps.map((b) => b.key))) pipeline.incr(key);
        for (const j of journal) pipeline.journalChange(j.key, j.overflowKey, j.position, j.member, j.limit);
        return firstError(await pipeline.exec());
      }, STATE_STORE_NAME);
      if (failed) throw failed;
    }
  }

  async ping(): Promise<void> {
    await guarded(() => this.redis.ping());
  }

  async pingState(): Promise<void> {
    await guarded(() => this.state.ping(), STATE_STORE_NAME);
  }
}
