// The one connection pool to the users database. Short time limits so that a
// database that is down or hung turns into a quick 503, never a hanging request.
import pg from 'pg';
import type { Logger } from 'pino';
import { AppError, StoreUnavailableError, isConnectionError } from '@polyglot/platform/errors';

/** How the store is named in 503s and in logs. */
export const STORE_NAME = 'PostgreSQL (users database)';

export function createPool(databaseUrl: string, logger: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    application_name: 'users-service',
    max: 10,
    connectionTimeoutMillis: 2000,
    // Client side: gives up on a server that stopped answering mid-query.
    query_timeout: 5000,
    // Server side: cancels a query that runs too long, releasing its locks.
    statement_timeout: 5000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client whose server went away emits here; without a listener the process would crash.
  pool.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL connection failed; the pool will reconnect'));
  return pool;
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

/** Errors meaning "the database does not answer" (down, refused, timed out), as opposed to a bad request. */
export function isUnavailable(error: unknown): boolean {
  if (isConnectionError(error)) return true;
  const e = error as { code?: string; message?: string } | undefined;
  // 57014: statement_timeout cancelled the query; 53300: too many connections.
  if (e?.code === '57014' || e?.code === '53300') return true;
  return /Query read timeout|Connection terminated|connection timeout/i.test(e?.message ?? '');
}

/**
 * Runs a store call, turning "the database does not answer" into a 503 naming
 * it, and a value PostgreSQL refuses to store into a 400 rather than a 500.
 */
export async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (isUnavailable(error)) throw new StoreUnavailableError(STORE_NAME, error);
    // Class 22 (data exception): e.g. a NUL character, which text columns cannot hold.
    const code = (error as { code?: string } | undefined)?.code;
    if (typeof code === 'string' && code.startsWith('22')) {
      throw new AppError('VALIDATION_FAILED', `a value cannot be stored: ${(error as Error).message}; remove control characters such as NUL and try again`);
    }
    throw error;
  }
}
