// TimescaleDB on its own PostgreSQL 17 cluster, for the analytics events.
// Debian ships the Apache-licensed edition: hypertables and time_bucket work,
// continuous aggregates and compression do not, and nothing here needs them.
import { join } from 'node:path';
import { repoRoot } from '../paths.ts';
import { endpoints } from './endpoints.ts';
import { definePostgresCluster } from './postgres-cluster.ts';

export const timescaledb = definePostgresCluster({
  name: 'timescaledb',
  title: 'TimescaleDB (analytics)',
  port: endpoints.timescaledb.port,
  user: endpoints.timescaledb.user,
  password: () => endpoints.timescaledb.password,
  database: endpoints.timescaledb.database,
  settings: {
    shared_preload_libraries: "'timescaledb'",
    'timescaledb.license': "'apache'",
    'timescaledb.telemetry_level': 'off',
    max_worker_processes: '16',
  },
  extensions: ['timescaledb'],
  migrationsDir: join(repoRoot, 'services/analytics/migrations'),
});
