// The one connection pool to TimescaleDB. Short time limits so that a store that
// is down or hung becomes a quick 503 (and a waiting projection), never a hang.
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Logger } from 'pino';
import { createPostgresPool } from '@polyglot/platform/postgres-pool';
import { guardStore } from '@polyglot/platform/errors';
import { migrate, type MigrationResult } from '@polyglot/platform/postgres-migrations';

/** How the store is named in 503s and logs. */
export const STORE_NAME = 'the analytics store (TimescaleDB)';

const MIGRATIONS = fileURLToPath(new URL('../../migrations/', import.meta.url));

export function createPool(url: string, logger: Logger): pg.Pool {
  return createPostgresPool(url, { applicationName: 'analytics-service', logger, storeName: STORE_NAME });
}

/** Runs a store call, turning "the database does not answer" into a 503 naming it. */
export function guarded<T>(work: () => Promise<T>): Promise<T> {
  return guardStore(STORE_NAME, work);
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
