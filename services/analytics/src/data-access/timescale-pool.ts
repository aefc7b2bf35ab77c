// The one connection pool to TimescaleDB. Short time limits so that a store that
// is down or hung becomes a quick 503 (and a waiting projection), never a hang.
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Logger } from 'pino';
import { isConnectionError, StoreUnavailableError } from '@polyglot/platform/errors';
import { migrate, type MigrationResult } from '@polyglot/platform/postgres-migrations';

/** How the store is named in 503s and logs. */
export const STORE_NAME = 'the analytics store (TimescaleDB)';

const MIGRATIONS = fileURLToPath(new URL('../../migrations/', import.meta.url));

export function createPool(url: string, logger: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    application_name: 'analytics-service',
    max: 10,
    connectionTimeoutMillis: 2000,
    // Client side: gives up on a server that stopped answering mid-query.
    query_timeout: 5000,
    // Server side: cancels a runaway query so it does not hold a connection.
    statement_timeout: 5000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client whose server went away emits here; without a listener the process would crash.
  pool.on('error', (error) => logger.warn({ err: error }, 'idle TimescaleDB connection failed; the pool will reconnect'));
  return pool;
}

/** Errors meaning "the database does not answer", as opposed to "the statement is wrong". */
export function isUnavailable(error: unknown): boolean {
  if (isConnectionError(error)) return true;
  const e = error as { code?: string; message?: string } | undefined;
  // 57014: statement_timeout cancelled the query; 53300: too many connections.
  if (e?.code === '57014' || e?.code === '53300') return true;
  return /Query read timeout|Connection terminated|connection timeout/i.test(e?.message ?? '');
}

/** Runs a store call, turning "the database does not answer" into a 503 naming it. */
export async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUnavailable(error)) throw new StoreUnavailableError(STORE_NAME, error);
    throw error;
  }
}

/**
 * Applies migrations/ on a connection of its own: creating an index on a large
 * hypertable may take longer than the pool's 5 s statement limit.
 */
export async function migrateSchema(url: string): Promise<MigrationResult> {
  const client = new pg.Client({ connectionString: url, application_name: 'analytics-migrate', connectionTimeoutMillis: 2000, query_timeout: 120_000 });
  client.on('error', () => undefined);
  await guarded(() => client.connect());
  try {
    return await guarded(() => migrate(client, MIGRATIONS));
  } finally {
    await client.end().catch(() => undefined);
  }
}
