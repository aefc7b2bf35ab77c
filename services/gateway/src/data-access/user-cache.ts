// The profile cache (cache-aside). The cache projection writes user:<id> from
// the change stream, and a tombstone in the state store when a user is deleted;
// the gateway reads profiles and fills misses from the users service. A failing
// Redis is a miss, never a failed read.
import type { Redis } from 'ioredis';
import type { PostAuthor, User } from '@polyglot/contracts/api';
import { userKey, userTombstoneKey } from '@polyglot/contracts/cache-keys';
import type { Logger } from '@polyglot/platform/logger';

export const PROFILE_TTL_S = 3600;

type Author = { id: number; name: string; email: string };

// Fill only when absent: the projection's entry is at least as new as what we
// just read. A tombstone means a delete raced with our read and must win; it
// lives in the other instance (the state store), so it is looked at after the
// fill: the projection writes the tombstone before it deletes the profile, so
// either that look sees the tombstone and takes the fill back, or the fill came
// before the projection's delete, which removes it.
const TAKE_BACK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

function parseProfile(raw: string | null): Author | null {
  if (raw === null) return null;
  try {
    const v = JSON.parse(raw) as Partial<Author>;
    if (typeof v.id === 'number' && typeof v.name === 'string' && typeof v.email === 'string') return { id: v.id, name: v.name, email: v.email };
  } catch {
    // A corrupt entry is a miss; the fill below cannot overwrite it (NX), but its TTL will.
  }
  return null;
}

/** redis: the cache (profiles); state: where the tombstones are (the same client in a test that has one Redis). */
export function createUserCache(redis: Redis, logger: Logger, state: Redis = redis) {
  return {
    /** The cached profiles among ids; a Redis failure returns none. */
    async get(ids: readonly number[]): Promise<Map<number, PostAuthor>> {
      const found = new Map<number, PostAuthor>();
      if (ids.length === 0) return found;
      try {
        const values = await redis.mget(ids.map((id) => userKey(id)));
        values.forEach((raw, i) => {
          const profile = parseProfile(raw);
          if (profile) found.set(ids[i]!, profile);
        });
      } catch (error) {
        logger.debug({ err: error }, 'profile cache read failed; asking the users service');
      }
      return found;
    },

    async fill(users: readonly User[]): Promise<void> {
      if (users.length === 0) return;
      try {
        // The projection stores its source position; a fill from a read has none, so 0: any projected change is newer.
        const values = users.map((u) => JSON.stringify({ id: u.id, email: u.email, name: u.name, created_at: u.created_at, updated_at: u.updated_at, position: 0 }));
        const pipeline = redis.pipeline();
        users.forEach((u, i) => pipeline.set(userKey(u.id), values[i]!, 'EX', PROFILE_TTL_S, 'NX'));
        const written = ((await pipeline.exec()) ?? []).map(([, reply]) => reply === 'OK');
        const filled = users.map((u, i) => ({ id: u.id, value: values[i]! })).filter((_, i) => written[i]);
        if (filled.length === 0) return;
        let deleted = filled;
        try {
          const tombstones = await state.mget(filled.map((f) => userTombstoneKey(f.id)));
          deleted = filled.filter((_, i) => tombstones[i] !== null);
        } catch (error) {
          // Cannot tell whether they were deleted meanwhile: take the fills back (a miss, not a resurrection).
          logger.debug({ err: error }, 'tombstone check failed; taking the profile fills back');
        }
        if (deleted.length === 0) return;
        const takeBack = redis.pipeline();
        for (const f of deleted) takeBack.eval(TAKE_BACK, 1, userKey(f.id), f.value);
        await takeBack.exec();
      } catch (error) {
        logger.debug({ err: error }, 'profile cache fill failed');
      }
    },
  };
}
export type UserCache = ReturnType<typeof createUserCache>;
