// Addresses, users and versions of the engines: the single source
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
  /**
   * Traces (Jaeger, in memory): the services export spans to OTLP/HTTP (best effort), and only the gateway reads
   * them back from the query API for the browser. Jaeger has no server-side authentication and checks no Host
   * header, so both ports stay on loopback and serve only under a secret path (jaegerPaths): a page that reaches
   * them by DNS rebinding cannot guess where to post spans or read traces (docs/engines.md#jaeger-traces).
   */
  jaeger: {
    /** OTLP over HTTP (protobuf or JSON): POST /<pathSecret>/v1/traces. */
    otlpHttpPort: 4318,
    /** The query API under /<pathSecret> (GET …/api/traces/<id>, …/api/services, …/api/v3/...); any other path, a page that names nothing. */
    queryPort: 16686,
    /** The query API over gRPC: always on in Jaeger, so held on loopback at its usual port; nothing here uses it. */
    queryGrpcPort: 16685,
    /** The health check extension: GET /status (no secret: it tells only whether Jaeger runs). */
    healthPort: 13133,
    /** 128 random bits, this machine's: the first segment of every path Jaeger serves data under. */
    get pathSecret(): string {
      return engineCredentials().jaeger;
    },
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
  /** Jaeger v2 as released; built from its Go module's tag v1.75.0 (jaegerModule), which is the same release. */
  jaeger: '2.12.0',
  jaegerModule: '1.75.0',
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
  /** Where every process sends its spans (OTLP/HTTP, protobuf), under the secret path. */
  get otlpTraces(): string {
    return `http://${HOST}:${endpoints.jaeger.otlpHttpPort}${jaegerPaths(endpoints.jaeger.pathSecret).otlpTraces}`;
  },
  /** Jaeger's query API (its base, under the secret path; the API's own paths are appended), for the gateway. */
  get jaegerQuery(): string {
    return `http://${HOST}:${endpoints.jaeger.queryPort}${jaegerPaths(endpoints.jaeger.pathSecret).queryBase}`;
  },
} as const;

/**
 * Where Jaeger serves, given its path secret: the one rule that its config (stack/src/engines/jaeger-config.ts)
 * and every address of it (urls) follow. Nothing is served outside these paths but the health check.
 */
export function jaegerPaths(pathSecret: string): { otlpTraces: string; queryBase: string } {
  return { otlpTraces: `/${pathSecret}/v1/traces`, queryBase: `/${pathSecret}` };
}

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
