// The stack's side of the engines' credentials (packages/contracts/src/engine-credentials.ts):
// made at `up`, given to each service in its environment (a service may run as
// a user that cannot read .stack/credentials.json), written for Compose, and
// shown to the person by `./stackctl credentials`.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceName } from '@polyglot/contracts/services';
import type { UnitName } from './engines/engine.ts';
import { ensureInternalSecret } from '@polyglot/platform/internal-secret';
import { credentialsFile, engineCredentials, ensureEngineCredentials, type CredentialKey } from '@polyglot/contracts/engine-credentials';
import { endpoints, HOST, urls } from './engines/endpoints.ts';
import { StackError } from './errors.ts';
import { statePaths } from './paths.ts';

/**
 * The credentials file, made (mode 0600) when missing; `created` names the engines whose password is new.
 * The internal services' secret is made here too: tests that boot services themselves read it before
 * any service of the stack has started (a fresh clone's `./stackctl test` starts only the engines first).
 */
export function ensureCredentials(): { file: string; created: CredentialKey[] } {
  ensureInternalSecret(statePaths.root);
  const { created } = ensureEngineCredentials(statePaths.root);
  return { file: credentialsFile(statePaths.root), created };
}

/**
 * For commands that start units: only `up` makes the credentials (and restarts what ran without them), so a
 * start before the first `up` says to run it.
 */
export function requireCredentials(): void {
  try {
    engineCredentials();
  } catch (error) {
    throw new StackError('NO_CREDENTIALS', (error as Error).message);
  }
}

/**
 * The addresses and passwords each service reads (its src/config.ts), for its environment. Only what it uses:
 * the posts service reaches FerretDB, which takes no password, and the UI reaches nothing. Every service but the
 * UI exports its spans to Jaeger, whose address carries the path secret.
 */
export function serviceEngineEnv(service: ServiceName): Record<string, string> {
  if (service === 'ui') return {};
  const neo4j = { NEO4J_URL: urls.neo4jBolt, NEO4J_USER: endpoints.neo4j.user, NEO4J_PASSWORD: endpoints.neo4j.password };
  const traces = { OTLP_TRACES_URL: urls.otlpTraces };
  switch (service) {
    case 'users':
      return { ...traces, DATABASE_URL: urls.postgres };
    case 'graph':
      return { ...traces, ...neo4j, WATERMARKS_REDIS_URL: urls.redisState };
    case 'analytics':
      return { ...traces, TIMESCALE_URL: urls.timescaledb, WATERMARKS_REDIS_URL: urls.redisState };
    case 'projectors':
      return { ...traces, REDIS_URL: urls.redis, STATE_REDIS_URL: urls.redisState, WATERMARKS_REDIS_URL: urls.redisState };
    case 'gateway':
      return {
        ...traces,
        REDIS_URL: urls.redis,
        STATE_REDIS_URL: urls.redisState,
        CONNECT_URL: urls.connect,
        CONNECT_USER: endpoints.connect.user,
        CONNECT_PASSWORD: endpoints.connect.password,
        JAEGER_QUERY_URL: urls.jaegerQuery,
      };
    case 'posts':
      return traces;
  }
}

/**
 * The engines each credential is given to at their start (FerretDB reaches its store with the store's). A running
 * one started before its credential was made must restart to take it; so must every service but the UI, whose
 * environment carries them (serviceEngineEnv).
 */
export const CREDENTIAL_UNITS: Readonly<Record<CredentialKey, readonly UnitName[]>> = {
  postgres: ['postgres'],
  timescaledb: ['timescaledb'],
  ferretdbStore: ['ferretdb-store', 'ferretdb'],
  neo4j: ['neo4j'],
  redis: ['redis'],
  redisState: ['redis-state'],
  connect: ['connect'],
  jaeger: ['jaeger'],
};

/** The variables stack/docker-compose.yml substitutes (${NAME:?...}), and where each value comes from. */
export const COMPOSE_VARIABLES = {
  POSTGRES_PASSWORD: () => endpoints.postgres.password,
  TIMESCALEDB_PASSWORD: () => endpoints.timescaledb.password,
  NEO4J_PASSWORD: () => endpoints.neo4j.password,
  REDIS_PASSWORD: () => endpoints.redis.password,
  REDIS_STATE_PASSWORD: () => endpoints.redisState.password,
  CONNECT_USER: () => endpoints.connect.user,
  CONNECT_PASSWORD: () => endpoints.connect.password,
  JAEGER_PATH_SECRET: () => endpoints.jaeger.pathSecret,
} as const satisfies Record<string, () => string>;

export function composeVariables(): Record<string, string> {
  return Object.fromEntries(Object.entries(COMPOSE_VARIABLES).map(([name, value]) => [name, value()]));
}

export const composeEnvFile = (): string => join(statePaths.root, 'compose.env');

/** .stack/compose.env (mode 0600), which `docker compose --env-file` reads; rewritten at every `up --docker`. */
export function writeComposeEnv(): string {
  const file = composeEnvFile();
  let variables: Record<string, string>;
  try {
    variables = composeVariables();
  } catch (error) {
    throw new StackError('NO_CREDENTIALS', `${(error as Error).message.replace('./stackctl up', './stackctl up --docker')}`);
  }
  mkdirSync(statePaths.root, { recursive: true });
  const lines = Object.entries(variables).map(([name, value]) => `${name}=${value}`);
  writeFileSync(file, `# Written by ./stackctl from ${credentialsFile(statePaths.root)}; edit that file instead.\n${lines.join('\n')}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

export interface ConnectHow {
  engine: string;
  title: string;
  /** What to run (or open); the values are real, for this machine. */
  commands: string[];
  url?: string;
  user?: string;
  password?: string;
  /** One line on how the engine is protected, where that is not a password. */
  note?: string;
}

/** How a person reaches each engine with its own client, with this machine's credentials. */
export function connectionGuide(): ConnectHow[] {
  const pg = (engine: 'postgres' | 'timescaledb' | 'ferretdbStore', name: string, title: string): ConnectHow => {
    const e = endpoints[engine];
    const url = `postgres://${e.user}:${e.password}@${HOST}:${e.port}/${e.database}`;
    return { engine: name, title, url, user: e.user, password: e.password, commands: [`psql '${url}'`] };
  };
  const redis = (engine: 'redis' | 'redisState', name: string, title: string): ConnectHow => {
    const e = endpoints[engine];
    return {
      engine: name,
      title,
      url: `redis://:${e.password}@${HOST}:${e.port}`,
      password: e.password,
      // REDISCLI_AUTH keeps the password out of the command line (redis-cli warns about -a).
      commands: [`REDISCLI_AUTH=${e.password} redis-cli -h ${HOST} -p ${e.port}`],
    };
  };
  return [
    pg('postgres', 'postgres', 'PostgreSQL (users)'),
    pg('timescaledb', 'timescaledb', 'TimescaleDB (analytics)'),
    pg('ferretdbStore', 'ferretdb-store', "PostgreSQL under FerretDB (native stack only; FerretDB's own tables)"),
    {
      engine: 'ferretdb',
      title: 'FerretDB (posts, MongoDB wire protocol; no password)',
      url: urls.mongo,
      commands: [`mongosh ${urls.mongo}`],
    },
    {
      engine: 'neo4j',
      title: 'Neo4j (graph)',
      url: urls.neo4jBolt,
      user: endpoints.neo4j.user,
      password: endpoints.neo4j.password,
      commands: [
        `cypher-shell -a ${urls.neo4jBolt} -u ${endpoints.neo4j.user} -p ${endpoints.neo4j.password}`,
        `Neo4j Browser: ${urls.neo4jHttp}/browser/ (connect to ${urls.neo4jBolt}, user ${endpoints.neo4j.user}, password ${endpoints.neo4j.password})`,
      ],
    },
    redis('redis', 'redis', 'Redis (cache)'),
    redis('redisState', 'redis-state', 'Redis (state)'),
    {
      engine: 'connect',
      title: 'Kafka Connect REST API (HTTP basic authentication)',
      url: urls.connect,
      user: endpoints.connect.user,
      password: endpoints.connect.password,
      commands: [`curl -u ${endpoints.connect.user}:${endpoints.connect.password} ${urls.connect}/connectors/users-cdc/status`],
    },
    {
      engine: 'jaeger',
      title: 'Jaeger (traces: the query API, and OTLP/HTTP where the services send spans)',
      url: urls.jaegerQuery,
      commands: [
        `curl ${urls.jaegerQuery}/api/services`,
        `curl ${urls.jaegerQuery}/api/traces/TRACE_ID`,
        `curl -XPOST ${urls.otlpTraces} -H 'content-type: application/json' -d '{"resourceSpans":[]}'`,
      ],
      note: `Jaeger takes no password and checks no Host header: it serves its APIs only under the path secret /${endpoints.jaeger.pathSecret}/, which a page that reaches 127.0.0.1 cannot guess.`,
    },
  ];
}
