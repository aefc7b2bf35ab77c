// Addresses, credentials and versions of the seven engines: the single source
// that the native stack, docker-compose.yml (checked by a test), the services
// (their defaults) and the tests all agree on. Everything listens on loopback only.

export const HOST = '127.0.0.1';

export const endpoints = {
  postgres: {
    port: 5432,
    user: 'postgres',
    password: 'postgres',
    database: 'users',
  },
  timescaledb: {
    port: 5433,
    user: 'postgres',
    password: 'postgres',
    database: 'analytics',
  },
  ferretdb: {
    port: 27017,
    database: 'posts',
  },
  /** The PostgreSQL cluster FerretDB stores documents in (native stack only; Compose runs MongoDB). */
  ferretdbStore: {
    port: 5434,
    user: 'postgres',
    password: 'postgres',
    database: 'ferretdb',
  },
  neo4j: {
    boltPort: 7687,
    httpPort: 7474,
    user: 'neo4j',
    password: 'neo4jpass',
  },
  redis: {
    port: 6379,
  },
  kafka: {
    port: 9092,
    controllerPort: 9093,
  },
  connect: {
    port: 8083,
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

export const urls = {
  postgres: `postgres://${endpoints.postgres.user}:${endpoints.postgres.password}@${HOST}:${endpoints.postgres.port}/${endpoints.postgres.database}`,
  timescaledb: `postgres://${endpoints.timescaledb.user}:${endpoints.timescaledb.password}@${HOST}:${endpoints.timescaledb.port}/${endpoints.timescaledb.database}`,
  mongo: `mongodb://${HOST}:${endpoints.ferretdb.port}/${endpoints.ferretdb.database}`,
  neo4jBolt: `bolt://${HOST}:${endpoints.neo4j.boltPort}`,
  neo4jHttp: `http://${HOST}:${endpoints.neo4j.httpPort}`,
  redis: `redis://${HOST}:${endpoints.redis.port}`,
  kafka: `${HOST}:${endpoints.kafka.port}`,
  connect: `http://${HOST}:${endpoints.connect.port}`,
} as const;
