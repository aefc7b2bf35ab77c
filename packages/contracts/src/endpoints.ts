// Addresses, users and versions of the seven engines: the single source
// that the native stack, docker-compose.yml (checked by a test), the services
// (their defaults) and the tests all agree on. Everything listens on loopback only.
//
// Passwords are not here: each is generated at the first `./stackctl up` and
// read from the stack's state (engine-credentials.ts) only when a password or
// a URL that carries one is asked for, so importing this module never needs
// them. A service started by the stack gets its URLs in its environment instead.
import { engineCredentials } from './engine-credentials.ts';

export const HOST = '127.0.0.1';

export const endpoints = {
  postgres: {
    port: 5432,
    user: 'postgres',
    get password(): string {
      return engineCredentials().postgres;
    },
    database: 'users',
  },
  timescaledb: {
    port: 5433,
    user: 'postgres',
    get password(): string {
      return engineCredentials().timescaledb;
    },
    database: 'analytics',
  },
  /**
   * No password: FerretDB 1.x keeps no users of its own and reaches its store (ferretdbStore) with the stack's
   * credentials. It speaks only the MongoDB wire protocol, which a web page cannot send.
   */
  ferretdb: {
    port: 27017,
    database: 'posts',
  },
  /** The PostgreSQL cluster FerretDB stores documents in (native stack only; Compose runs MongoDB). */
  ferretdbStore: {
    port: 5434,
    user: 'postgres',
    get password(): string {
      return engineCredentials().ferretdbStore;
    },
    database: 'ferretdb',
  },
  neo4j: {
    boltPort: 7687,
    httpPort: 7474,
    user: 'neo4j',
    get password(): string {
      return engineCredentials().neo4j;
    },
  },
  /** The cache: pages and profiles, evicted least-recently-used at its memory limit. */
  redis: {
    port: 6379,
    /** Redis's `requirepass` (the default user). */
    get password(): string {
      return engineCredentials().redis;
    },
  },
  /** State that must not be lost (sessions, tombstones, generations, watermarks): never evicts. */
  redisState: {
    port: 6380,
    get password(): string {
      return engineCredentials().redisState;
    },
  },
  kafka: {
    port: 9092,
    controllerPort: 9093,
  },
  /** Its REST API takes HTTP basic authentication (connectHeaders()). */
  connect: {
    port: 8083,
    user: 'connect',
    get password(): string {
      return engineCredentials().connect;
    },
  },
  /** Traces: the services export spans over OTLP HTTP; the gateway reads them back from the query API (GET /traces/:traceId). */
  jaeger: {
    host: HOST,
    otlpHttpPort: 4318,
    queryPort: 16686,
  },
} as const;

export const versions = {
  postgres: '17',
  timescaledb: '2.19',
  redis: '8.0',
  kafka: '4.3.0',
  debezium: '3.6.1.Final',
  neo4j: '5.26.30',
  neo4jBrowser: '5.24.0',
  ferretdb: '1.24.2',
  debianSuite: 'trixie',
} as const;

/**
 * Connection strings with the generated passwords (read on first use). Connect's address carries none:
 * fetch refuses a URL with credentials, so its callers send connectHeaders().
 */
export const urls = {
  get postgres(): string {
    return postgresUrl(endpoints.postgres);
  },
  get timescaledb(): string {
    return postgresUrl(endpoints.timescaledb);
  },
  // directConnection: under Compose MongoDB is a replica set whose member is named for the containers (mongo:27017).
  mongo: `mongodb://${HOST}:${endpoints.ferretdb.port}/${endpoints.ferretdb.database}?directConnection=true`,
  neo4jBolt: `bolt://${HOST}:${endpoints.neo4j.boltPort}`,
  neo4jHttp: `http://${HOST}:${endpoints.neo4j.httpPort}`,
  /** The cache. */
  get redis(): string {
    return `redis://:${endpoints.redis.password}@${HOST}:${endpoints.redis.port}`;
  },
  /** What must not be lost. */
  get redisState(): string {
    return `redis://:${endpoints.redisState.password}@${HOST}:${endpoints.redisState.port}`;
  },
  kafka: `${HOST}:${endpoints.kafka.port}`,
  connect: `http://${HOST}:${endpoints.connect.port}`,
  /** Jaeger's query API (JSON, /api/traces/<traceId>). */
  jaegerQuery: `http://${endpoints.jaeger.host}:${endpoints.jaeger.queryPort}`,
} as const;

function postgresUrl(e: { user: string; password: string; port: number; database: string }): string {
  return `postgres://${e.user}:${e.password}@${HOST}:${e.port}/${e.database}`;
}

/** HTTP basic authentication for Kafka Connect's REST API. */
export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** The headers every call to Kafka Connect's REST API sends. */
export function connectHeaders(): Record<string, string> {
  return { authorization: basicAuthorization(endpoints.connect.user, endpoints.connect.password) };
}
