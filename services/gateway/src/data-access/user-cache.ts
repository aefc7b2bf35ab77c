// The profile cache (cache-aside). The cache projection writes user:<id> from
// the change stream, and a tombstone in the state store when a user is deleted;
// the gateway reads profiles and fills misses from the users service
// (cache-aside.ts). A failing Redis is a miss, never a failed read.
import type { Redis } from 'ioredis';
import type { PostAuthor, User } from '@polyglot/contracts/api';
import { userKey, userTombstoneKey } from '@polyglot/contracts/cache-keys';
import type { Logger } from '@polyglot/platform/logger';
import { fillAbsent, readEntries } from './cache-aside.ts';

export const PROFILE_TTL_S = 3600;

type Author = { id: number; name: string; email: string };

function parseProfile(value: unknown): Author | null {
  const v = (value ?? {}) as Partial<Author>;
  return typeof v.id === 'number' && typeof v.name === 'string' && typeof v.email === 'string' ? { id: v.id, name: v.name, email: v.email } : null;
}

/** The whole public profile; an entry without one of its fields is a miss. */
function parseUser(value: unknown): User | null {
  const v = (value ?? {}) as Partial<User>;
  const author = parseProfile(v);
  return author && typeof v.created_at === 'string' && typeof v.updated_at === 'string' ? { ...author, created_at: v.created_at, updated_at: v.updated_at } : null;
}

/** redis: the cache (profiles); state: where the tombstones are (the same client in a test that has one Redis). */
export function createUserCache(redis: Redis, logger: Logger, state: Redis = redis) {
  return {
    /** The cached profiles among ids; a Redis failure returns none. */
    get(ids: readonly number[]): Promise<Map<number, PostAuthor>> {
      return readEntries(redis, ids, userKey, parseProfile, logger);
    },

    /** One cached profile with every field the users service gives; null on a miss or a Redis failure. */
    async getOne(id: number): Promise<User | null> {
      return (await readEntries(redis, [id], userKey, parseUser, logger)).get(id) ?? null;
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
