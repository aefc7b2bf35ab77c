// A PostgreSQL connection pool with short time limits, so that a database that
// is down or hung becomes a quick 503 naming it, never a hanging request.
import pg from 'pg';
import type { Logger } from 'pino';

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

export interface TransactionOptions {
  /** One snapshot for every statement, nothing written (figures that must agree with each other). */
  readOnly?: boolean;
  /** A longer server-side limit than the pool's, for this transaction only. */
  statementTimeoutMs?: number;
}

/**
 * Runs work in one transaction on one client: committed if it returns, rolled back if it
 * throws; a client that failed mid-transaction is discarded rather than handed out again.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(options.readOnly ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
    if (options.statementTimeoutMs !== undefined) await client.query("SELECT set_config('statement_timeout', $1, true)", [String(options.statementTimeoutMs)]);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    broken = error as Error;
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release(broken);
  }
}
