// PostgreSQL for the users service: the source of truth, with logical WAL so
// Debezium can capture every change.
import { join } from 'node:path';
import { repoRoot } from '../paths.ts';
import { endpoints } from './endpoints.ts';
import { definePostgresCluster } from './postgres-cluster.ts';

export const postgres = definePostgresCluster({
  name: 'postgres',
  title: 'PostgreSQL (users)',
  port: endpoints.postgres.port,
  user: endpoints.postgres.user,
  password: () => endpoints.postgres.password,
  database: endpoints.postgres.database,
  settings: {
    wal_level: 'logical',
    max_wal_senders: '10',
    max_replication_slots: '10',
    // A slot whose consumer is gone must not fill the disk.
    max_slot_wal_keep_size: "'1GB'",
    wal_sender_timeout: "'30s'",
  },
  extensions: [],
  migrationsDir: join(repoRoot, 'services/users/migrations'),
});
