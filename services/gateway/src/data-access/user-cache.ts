// The profile cache (cache-aside). The cache projection writes user:<id> from
// the change stream, and a tombstone in the state store when a user is deleted;
// the gateway reads profiles and fills misses from the users service
// (cache-fill.ts). A failing Redis is a miss, never a failed read.
import type { Redis } from 'ioredis';
import type { PostAuthor, User } from '@polyglot/contracts/api';
import { userKey, userTombstoneKey } from '@polyglot/contracts/cache-keys';
import type { Logger } from '@polyglot/platform/logger';
import { fillAbsent } from './cache-fill.ts';

export const PROFILE_TTL_S = 3600;

type Author = { id: number; name: string; email: string };

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
      // The projection stores its source position; a fill from a read has none, so 0: any projected change is newer.
      const fills = users.map((u) => ({
        key: userKey(u.id),
        tombstoneKey: userTombstoneKey(u.id),
        value: JSON.stringify({ id: u.id, email: u.email, name: u.name, created_at: u.created_at, updated_at: u.updated_at, position: 0 }),
      }));
      await fillAbsent(redis, state, fills, PROFILE_TTL_S, logger);
    },
  };
}
export type UserCache = ReturnType<typeof createUserCache>;
