// The profile cache (cache-aside). The cache projection writes user:<id> from
// the change stream and a tombstone when a user is deleted; the gateway reads
// it and fills misses from the users service. A failing Redis is a miss, never
// a failed read.
import type { Redis } from 'ioredis';
import type { PostAuthor, User } from '@polyglot/contracts/api';
import { userKey, userTombstoneKey } from '@polyglot/contracts/cache-keys';
import type { Logger } from '@polyglot/platform/logger';

export const PROFILE_TTL_S = 3600;

type Author = { id: number; name: string; email: string };

// Fill only when absent and not deleted, in one step: the projection's entry
// is at least as new as what we just read, and a tombstone means a delete
// raced with our read and must win.
const FILL_SCRIPT = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'NX') then return 1 end
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

export function createUserCache(redis: Redis, logger: Logger) {
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
        const pipeline = redis.pipeline();
        for (const u of users) {
          // The projection stores its source position; a fill from a read has none, so 0: any projected change is newer.
          const value = JSON.stringify({ id: u.id, email: u.email, name: u.name, created_at: u.created_at, updated_at: u.updated_at, position: 0 });
          pipeline.eval(FILL_SCRIPT, 2, userKey(u.id), userTombstoneKey(u.id), value, PROFILE_TTL_S);
        }
        await pipeline.exec();
      } catch (error) {
        logger.debug({ err: error }, 'profile cache fill failed');
      }
    },
  };
}
export type UserCache = ReturnType<typeof createUserCache>;
