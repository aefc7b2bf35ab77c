// Login attempts counted in Redis, so every gateway process shares the limit.
import type { Redis } from 'ioredis';
import { orUnavailable } from './redis.ts';

/** Key of one counter; the gateway's own, so not among the shared cache keys. */
export const loginAttemptsKey = (kind: 'email' | 'address', value: string): string => `login-attempts:${kind}:${value}`;

/** Counters of login attempts in fixed windows, shared by every gateway process. */
export function createAttemptCounter(redis: Redis) {
  return {
    /** Counts one attempt under key; returns the count in the current window and the seconds it has left. */
    async hit(key: string, windowS: number): Promise<{ count: number; resetInS: number }> {
      // EXPIRE NX starts the window at the first attempt and leaves it alone afterwards.
      const results = await orUnavailable(redis.multi().incr(key).expire(key, windowS, 'NX').ttl(key).exec());
      const count = Number(results?.[0]?.[1] ?? 0);
      const ttl = Number(results?.[2]?.[1] ?? windowS);
      return { count, resetInS: ttl > 0 ? ttl : windowS };
    },
    async reset(key: string): Promise<void> {
      await orUnavailable(redis.del(key));
    },
  };
}
export type AttemptCounter = ReturnType<typeof createAttemptCounter>;
