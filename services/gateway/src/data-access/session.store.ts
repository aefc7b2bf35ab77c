// Sessions in Redis: session:<sha256(token)> → user id, expiring on its own,
// and user-sessions:<id>, the set of one user's session hashes, so that a
// password change, a deletion or a role change ends every session of that user.
// Only the hash is stored: a copy of Redis (a dump, a replica, MONITOR) holds
// no token that could be replayed. Unlike the cache, sessions cannot fall back
// to anything, so Redis being down is a 503 naming it.
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { sessionKey, userSessionsKey } from '@polyglot/contracts/cache-keys';
import { orUnavailable } from './redis.ts';

/** The key a token's session is stored under: its SHA-256 (base64url). A token is 32 random bytes, so no salt is needed. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

// Every session of a user ends in one step, so a login racing the revocation either
// lands before it (and is ended) or after it (and is indexed afresh).
const REVOKE_ALL = `
local hashes = redis.call('SMEMBERS', KEYS[1])
for _, h in ipairs(hashes) do redis.call('DEL', ARGV[1] .. h) end
redis.call('DEL', KEYS[1])
return #hashes`;

export function createSessionStore(redis: Redis) {
  const prefix = sessionKey('');
  return {
    async create(token: string, userId: number, ttlS: number): Promise<void> {
      const hash = tokenHash(token);
      const index = userSessionsKey(userId);
      // The index lives as long as the newest session; ended or expired members are harmless (their DEL finds nothing).
      await orUnavailable(redis.multi().set(sessionKey(hash), String(userId), 'EX', ttlS).sadd(index, hash).expire(index, ttlS).exec());
    },
    async userId(token: string): Promise<number | null> {
      const raw = await orUnavailable(redis.get(sessionKey(tokenHash(token))));
      const id = Number(raw);
      return raw !== null && Number.isSafeInteger(id) && id > 0 ? id : null;
    },
    async remove(token: string): Promise<void> {
      const hash = tokenHash(token);
      const userId = await orUnavailable(redis.getdel(sessionKey(hash)));
      if (userId !== null) await orUnavailable(redis.srem(userSessionsKey(userId), hash));
    },
    /** Ends every session of the user; answers how many there were (expired ones included). */
    async revokeUser(userId: number): Promise<number> {
      return Number(await orUnavailable(redis.eval(REVOKE_ALL, 1, userSessionsKey(userId), prefix)));
    },
  };
}
export type SessionStore = ReturnType<typeof createSessionStore>;

/**
 * The sessions as a process other than the gateway reaches them (./stackctl admin
 * grant|revoke ends the user's sessions): the same store on its own connection to
 * the Redis the gateway keeps sessions in. close() when done.
 */
export function connectSessionStore(redisUrl: string): { sessions: SessionStore; close(): Promise<void> } {
  const redis = new Redis(redisUrl, { lazyConnect: false, enableOfflineQueue: true, maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: 2000, retryStrategy: () => null });
  // A failed connection is reported by the first command (503 naming Redis); the event itself must not crash the process.
  redis.on('error', () => undefined);
  return {
    sessions: createSessionStore(redis),
    async close() {
      redis.disconnect();
    },
  };
}
