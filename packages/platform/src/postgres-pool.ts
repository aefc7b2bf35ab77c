// A PostgreSQL connection pool with short time limits, so that a database that
// is down or hung becomes a quick 503 naming it, never a hanging request.
import pg from 'pg';
import type { Logger } from 'pino';
import { isConnectionError } from './errors.ts';

export function createPostgresPool(url: string, options: { applicationName: string; logger: Logger; storeName: string }): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    application_name: options.applicationName,
    max: 10,
    connectionTimeoutMillis: 2000,
    // Client side: gives up on a server that stopped answering mid-query.
    query_timeout: 5000,
    // Server side: cancels a runaway query so it releases its connection and locks.
    statement_timeout: 5000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client whose server went away emits here; without a listener the process would crash.
  pool.on('error', (error) => options.logger.warn({ err: error }, `idle connection to ${options.storeName} failed; the pool will reconnect`));
  return pool;
}

/** Errors meaning "the database does not answer" (down, refused, timed out), as opposed to a bad statement. */
export function isPostgresUnavailable(error: unknown): boolean {
  if (isConnectionError(error)) return true;
  const e = error as { code?: string; message?: string } | undefined;
  // 57014: statement_timeout cancelled the query; 53300: too many connections.
  if (e?.code === '57014' || e?.code === '53300') return true;
  return /Query read timeout|Connection terminated|connection timeout/i.test(e?.message ?? '');
}
