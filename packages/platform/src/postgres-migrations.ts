// Applies a folder of numbered SQL files to a PostgreSQL database, each once,
// each in its own transaction, under an advisory lock so two processes that
// start together do not race. Used by the stack at first start and by the
// owning service at every start.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClientBase } from 'pg';

// Arbitrary but fixed: the key of the advisory lock that serialises migrators.
const LOCK_KEY = 727_274_001;

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

export async function migrate(client: ClientBase, folder: string): Promise<MigrationResult> {
  const files = (await readdir(folder)).filter((f) => /^\d+_[\w-]+\.sql$/.test(f)).sort();
  await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
    const result: MigrationResult = { applied: [], alreadyApplied: [] };
    for (const file of files) {
      if (done.has(file)) {
        result.alreadyApplied.push(file);
        continue;
      }
      const sql = await readFile(join(folder, file), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file} failed: ${(error as Error).message}`, { cause: error });
      }
      result.applied.push(file);
    }
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
  }
}
