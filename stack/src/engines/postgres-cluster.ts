// A PostgreSQL 17 cluster run from the Debian root: used twice, for users
// (logical WAL for Debezium) and for analytics (with TimescaleDB).
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { migrate } from '../../../packages/platform/src/postgres-migrations.ts';
import { HOST } from './endpoints.ts';
import { withTimeout, type Engine, type EngineContext, type EngineName } from './engine.ts';

const BIN = '/usr/lib/postgresql/17/bin';

export interface PostgresClusterOptions {
  name: EngineName;
  title: string;
  port: number;
  user: string;
  password: string;
  database: string;
  settings: Readonly<Record<string, string>>;
  extensions: readonly string[];
  /** Numbered SQL files applied at first start; none for a cluster whose schema another program owns. */
  migrationsDir?: string;
  /** SQL that may run any number of times, run in the database at every start (after the migrations). */
  everyStartSql?: string;
}

function renderSettings(port: number, settings: Readonly<Record<string, string>>): string {
  const all: Record<string, string> = {
    listen_addresses: `'${HOST}'`,
    port: String(port),
    unix_socket_directories: "'/srv/data'",
    max_connections: '100',
    shared_buffers: '64MB',
    log_min_messages: 'warning',
    log_line_prefix: "'%m [%p] '",
    ...settings,
  };
  return `# Written by the stack at every start; edit stack/src/engines instead.\n${Object.entries(all)
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n')}\n`;
}

export function definePostgresCluster(options: PostgresClusterOptions): Engine {
  const connection = (database: string) => ({
    host: HOST,
    port: options.port,
    user: options.user,
    password: options.password,
    database,
    connectionTimeoutMillis: 2000,
  });

  async function withClient<T>(database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client(connection(database));
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  return {
    name: options.name,
    kind: 'engine',
    title: options.title,
    address: `${HOST}:${options.port}`,
    ports: [options.port],
    needs: ['debianRoot'],
    dependsOn: [],
    // SIGINT is PostgreSQL's "fast shutdown": active transactions roll back, nothing is lost.
    stopSignal: 'SIGINT',
    stopTimeoutMs: 30_000,
    startTimeoutMs: 60_000,

    async prepare(ctx: EngineContext) {
      const pgdata = join(ctx.dataDir, 'pgdata');
      if (!existsSync(join(pgdata, 'PG_VERSION'))) {
        await rm(pgdata, { recursive: true, force: true });
        await writeFile(join(ctx.dataDir, 'pwfile'), `${options.password}\n`, { mode: 0o600 });
        await ctx.runOnce(`initdb (${options.name})`, {
          argv: [`${BIN}/initdb`, '-D', '/srv/data/pgdata', '--username', options.user, '--pwfile', '/srv/data/pwfile', '--auth-local=trust', '--auth-host=scram-sha-256', '--encoding=UTF8', '--locale=C.UTF-8'],
          binds: [],
        });
        await rm(join(ctx.dataDir, 'pwfile'), { force: true });
        await writeFile(join(pgdata, 'postgresql.conf'), "include_if_exists = 'stack.conf'\n", { flag: 'a' });
      }
      await writeFile(join(pgdata, 'stack.conf'), renderSettings(options.port, options.settings));
      await mkdir(join(ctx.dataDir, 'tmp'), { recursive: true });
    },

    launch() {
      return { argv: [`${BIN}/postgres`, '-D', '/srv/data/pgdata'], binds: [] };
    },

    async probe() {
      return withTimeout(`${options.name} probe`, 3000, withClient('postgres', async (client) => {
        const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
        let version = `PostgreSQL ${rows[0]?.server_version ?? '?'}`;
        if (options.extensions.includes('timescaledb')) {
          // Debian ships the Apache edition: no continuous aggregates or compression. Shown so nobody plans on them.
          const ext = await client.query<{ default_version: string; license: string }>("SELECT default_version, current_setting('timescaledb.license', true) AS license FROM pg_available_extensions WHERE name = 'timescaledb'");
          version += ` + TimescaleDB ${ext.rows[0]?.default_version ?? '?'} (${ext.rows[0]?.license ?? '?'} license)`;
        }
        return { version };
      }));
    },

    async afterHealthy() {
      await withClient('postgres', async (client) => {
        const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
        // Identifiers cannot be parameters; the name comes from endpoints.ts, not from input.
        if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${options.database}"`);
      });
      await withClient(options.database, async (client) => {
        for (const extension of options.extensions) await client.query(`CREATE EXTENSION IF NOT EXISTS ${extension}`);
        if (options.migrationsDir) await migrate(client, options.migrationsDir);
        if (options.everyStartSql) await client.query(options.everyStartSql);
      });
    },
  };
}

