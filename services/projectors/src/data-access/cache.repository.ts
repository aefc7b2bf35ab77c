// Applies planned cache operations to the two Redis instances: profiles to the
// cache, tombstones and page generations to the state store (which never
// evicts, so filling the cache cannot bring a deleted profile back or send a
// generation back to a number that names old pages).
//
// A batch runs in three round trips, in this order:
//   1. state: raise the tombstones of deleted users, then read the tombstones
//      of the users to put (so a put older than a deletion in the same batch loses);
//   2. cache: each put, guarded by the position the cached profile holds (one
//      Lua script, so "compare, then write" is atomic even when the gateway fills
//      the same key meanwhile), and each deleted user's DEL;
//   3. state: the generation bumps, after the profiles they announce.
// A tombstone is written before its profile is deleted, and the gateway checks
// for a tombstone after its fill (user-cache.ts): whichever order the two run
// in, a deleted user's profile does not stay in the cache.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { CacheOperation } from '../domain/cache-projection.ts';
import { guarded, STATE_STORE_NAME } from './redis-client.ts';

// KEYS[1] user key. ARGV[1] position, ARGV[2] the user JSON.
// Returns 1 when written, 0 when the cache already reflects this position or a later one.
// An entry without a position (a cache-aside fill by the gateway) counts as older.
const GUARDED_PUT = `
local position = tonumber(ARGV[1])
local cached = redis.call('GET', KEYS[1])
if cached then
  local ok, entry = pcall(cjson.decode, cached)
  if ok and type(entry) == 'table' then
    local cachedPosition = tonumber(entry.position)
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

function firstError(results: Array<[Error | null, unknown]> | null): Error | null {
  return results?.find(([error]) => error)?.[0] ?? null;
}

export class CacheRepository {
  private readonly redis: Redis;
  private readonly state: Redis;
  private scriptLoaded = false;

  /** cache: the profiles; state: tombstones and generations (may be the same client in a test). */
  constructor(cache: Redis, state: Redis) {
    this.redis = cache;
    this.state = state;
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
    const puts = operations.filter((o): o is PutUser => o.kind === 'putUser');
    const deletes = operations.filter((o) => o.kind === 'deleteUser');
    const bumps = operations.filter((o) => o.kind === 'bump');

    // 1. Tombstones first: from here on no fill (gateway) or put (below) can keep a deleted profile.
    let tombstones: Array<string | null> = [];
    if (puts.length > 0 || deletes.length > 0) {
      const failed = await guarded(async () => {
        const pipeline = this.state.pipeline();
        for (const d of deletes) pipeline.eval(RAISE_TOMBSTONE, 1, d.tombstoneKey, String(d.position), String(d.ttlSeconds));
        for (const p of puts) pipeline.get(p.tombstoneKey);
        const results = await pipeline.exec();
        tombstones = (results ?? []).slice(deletes.length).map(([, value]) => value as string | null);
        return firstError(results);
      }, STATE_STORE_NAME);
      if (failed) throw failed;
    }

    // 2. Profiles, in the batch's order.
    const deadAt = new Map<PutUser, boolean>(puts.map((p, i) => [p, tombstones[i] !== null && tombstones[i] !== undefined && Number(tombstones[i]) >= p.position]));
    const profileWrites = operations.filter((o) => (o.kind === 'putUser' && !deadAt.get(o)) || o.kind === 'deleteUser');
    if (profileWrites.length > 0) {
      const run = async () => {
        const pipeline = this.redis.pipeline();
        for (const o of profileWrites) {
          if (o.kind === 'putUser') pipeline.evalsha(GUARDED_PUT_SHA, 1, o.key, String(o.position), JSON.stringify(o.user));
          else if (o.kind === 'deleteUser') pipeline.del(o.key);
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

    // 3. Generations last: a page built under a new generation reads the profiles written above.
    if (bumps.length > 0) {
      const failed = await guarded(async () => {
        const pipeline = this.state.pipeline();
        for (const b of bumps) pipeline.incr(b.key);
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
