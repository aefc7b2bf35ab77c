import type { HashingCost } from './password-hasher.ts';
import type { UsersDeps } from './users-deps.ts';

export interface Health {
  status: 'ok' | 'degraded';
  checks: { postgres: string };
  /** What Argon2id has cost so far: benchmarks count it apart from the CPU of the rest of a write. */
  hashing: HashingCost;
}

// A health probe must answer quickly even when the database hangs rather than refuses.
const PROBE_TIMEOUT_MS = 2500;

export async function checkHealth(deps: UsersDeps): Promise<Health> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      deps.users.ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
      }),
    ]);
    return { status: 'ok', checks: { postgres: 'up' }, hashing: deps.passwords.cost() };
  } catch (error) {
    return { status: 'degraded', checks: { postgres: `down: ${(error as Error).message || String(error)}` }, hashing: deps.passwords.cost() };
  } finally {
    clearTimeout(timer);
  }
}
