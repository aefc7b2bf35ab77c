// Sessions in Redis: session:<token> → user id, expiring on its own. Unlike
// the cache, sessions cannot fall back to anything, so Redis being down is a
// 503 naming it.
import type { Redis } from 'ioredis';
import { sessionKey } from '@polyglot/contracts/cache-keys';
import { orUnavailable } from './redis.ts';

export function createSessionStore(redis: Redis) {
  return {
    async create(token: string, userId: number, ttlS: number): Promise<void> {
      await orUnavailable(redis.set(sessionKey(token), String(userId), 'EX', ttlS));
    },
    async userId(token: string): Promise<number | null> {
      const raw = await orUnavailable(redis.get(sessionKey(token)));
      const id = Number(raw);
      return raw !== null && Number.isSafeInteger(id) && id > 0 ? id : null;
    },
    async remove(token: string): Promise<void> {
      await orUnavailable(redis.del(sessionKey(token)));
    },
  };
}
export type SessionStore = ReturnType<typeof createSessionStore>;
