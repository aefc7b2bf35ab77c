// The one connection pool to the users database. Short time limits so that a
// database that is down or hung turns into a quick 503, never a hanging request.
import pg from 'pg';
import type { Logger } from 'pino';
import { createPostgresPool } from '@polyglot/platform/postgres-pool';
import { AppError, guardStore } from '@polyglot/platform/errors';

/** How the store is named in 503s and in logs. */
export const STORE_NAME = 'PostgreSQL (users database)';

export function createPool(url: string, logger: Logger): pg.Pool {
  return createPostgresPool(url, { applicationName: 'users-service', logger, storeName: STORE_NAME });
}

/** Where the pool points, without credentials: safe for logs and error messages. */
export function describeDatabase(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return 'the configured database';
  }
}

/**
 * Runs a store call, turning "the database does not answer" into a 503 naming
 * it, and a value PostgreSQL refuses to store into a 400 rather than a 500.
 */
export async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await guardStore(STORE_NAME, work);
  } catch (error) {
    if (error instanceof AppError) throw error;
    // Class 22 (data exception): e.g. a NUL character, which text columns cannot hold.
    const code = (error as { code?: string } | undefined)?.code;
    if (typeof code === 'string' && code.startsWith('22')) {
      throw new AppError('VALIDATION_FAILED', `a value cannot be stored: ${(error as Error).message}; remove control characters such as NUL and try again`);
    }
    throw error;
  }
}
