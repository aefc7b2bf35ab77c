// A PostgreSQL 17 cluster run from the Debian root: used twice, for users
// (logical WAL for Debezium) and for analytics (with TimescaleDB).
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { migrate } from '@polyglot/platform/postgres-migrations';
import { engineDataDir } from '../paths.ts';
import { HOST } from './endpoints.ts';
import { withTimeout, type Engine, type EngineContext, type EngineName } from './engine.ts';

const BIN = '/usr/lib/postgresql/17/bin';

export interface PostgresClusterOptions {
  name: EngineName;
  title: string;
  port: number;
  user: string;
  /** The stack's generated password (.stack/credentials.json), read when the cluster is set up or reached. */
  password: () => string;
  database: string;
  settings: Readonly<Record<string, string>>;
  extensions: readonly string[];
  /** Numbered SQL files applied at first start; none for a cluster whose schema another program owns. */
  migrationsDir?: string;
  /**
   * SQL that may run any number of times, run in the database at every start (after the migrations),
   * each string as its own statement batch (one implicit transaction each).
   */
  everyStartSql?: readonly string[];
}

function renderSettings(port: number, settings: Readonly<Record<string, string>>): string {
  const all: Record<string, string> = {
    listen_addresses: `'${HOST}'`,
    port: String(port),
    unix_socket_directories: "'/srv/data'",
    // Local connections are trusted (the stack's way in whatever the password): the engine's user and root only.
    unix_socket_permissions: '0700',
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

/** The password of every cluster made before the stack generated its own (and of a Compose volume made then). */
const LEGACY_PASSWORD = 'postgres';
/** The longest path of a UNIX socket. */
const MAX_SOCKET_PATH = 107;

export function definePostgresCluster(options: PostgresClusterOptions): Engine {
  type Connection = pg.ClientConfig;
  const overTcp = (database: string, password = options.password()): Connection => ({
    host: HOST,
    port: options.port,
    user: options.user,
    password,
    database,
    connectionTimeoutMillis: 2000,
  });

  /**
   * The cluster's own socket in its data folder (/srv/data inside the root), where local connections are
   * trusted: it reaches the cluster whatever password the role has. Undefined where there is none to use
   * (Compose, or a checkout so deep that the path is too long for a socket).
   */
  const overSocket = (database: string): Connection | undefined => {
    const dir = engineDataDir(options.name);
    const socket = join(dir, `.s.PGSQL.${options.port}`);
    if (Buffer.byteLength(socket) > MAX_SOCKET_PATH || !existsSync(socket)) return undefined;
    return { host: dir, port: options.port, user: options.user, database, connectionTimeoutMillis: 2000 };
  };

  async function withClient<T>(connection: Connection, work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client(connection);
    client.on('error', () => undefined);
    try {
      // Inside the try: a client refused mid-handshake is closed too, not left for the server's timeout.
      await client.connect();
      return await work(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** The socket when it answers (a socket file left by a crash does not), else TCP with the stack's password. */
  async function withLocalClient<T>(database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
    const socket = overSocket(database);
    if (socket) {
      try {
        return await withClient(socket, work);
      } catch (error) {
        if (!['ECONNREFUSED', 'ENOENT'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
      }
    }
    return withClient(overTcp(database), work);
  }

  const refusesPassword = (error: unknown) => (error as { code?: string }).code === '28P01';

  async function accepts(password: string): Promise<boolean> {
    try {
      await withClient(overTcp('postgres', password), async () => undefined);
      return true;
    } catch (error) {
      if (refusesPassword(error)) return false;
      throw error;
    }
  }

  /**
   * A data folder made before the stack generated its credentials keeps the old well-known password: give the
   * role the stack's, over the socket (or, in Compose, logged in with the old one). Nothing to do on later starts.
   */
  async function alignPassword(): Promise<void> {
    const password = options.password();
    if (await accepts(password)) return;
    const setPassword = (client: pg.Client) => client.query(`ALTER ROLE "${options.user}" PASSWORD ${client.escapeLiteral(password)}`);
    const socket = overSocket('postgres');
    if (socket) await withClient(socket, setPassword);
    else if (await accepts(LEGACY_PASSWORD)) await withClient(overTcp('postgres', LEGACY_PASSWORD), setPassword);
    if (!(await accepts(password))) {
      throw new Error(`${options.name} refuses the password in .stack/credentials.json, and the stack cannot reach it over its socket (${engineDataDir(options.name)}) or with the old default to set it; set it yourself (ALTER ROLE ${options.user} PASSWORD '…', the value from ./stackctl credentials)`);
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
        await writeFile(join(ctx.dataDir, 'pwfile'), `${options.password()}\n`, { mode: 0o600 });
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
      // Over the socket where there is one: the cluster answers even before afterHealthy gives it the stack's password.
      return withTimeout(`${options.name} probe`, 3000, withLocalClient('postgres', async (client) => {
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
      await alignPassword();
      await withClient(overTcp('postgres'), async (client) => {
        const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
        // Identifiers cannot be parameters; the name comes from endpoints.ts, not from input.
        if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${options.database}"`);
      });
      await withClient(overTcp(options.database), async (client) => {
        for (const extension of options.extensions) await client.query(`CREATE EXTENSION IF NOT EXISTS ${extension}`);
        if (options.migrationsDir) await migrate(client, options.migrationsDir);
        for (const sql of options.everyStartSql ?? []) await client.query(sql);
      });
    },
  };
}

