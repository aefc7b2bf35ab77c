// The PostgreSQL cluster under FerretDB. FerretDB's SQLite backend scans the
// whole collection for every query and rewrites documents without isolation;
// on PostgreSQL, lookups and updates by _id use an index (measured: an update
// by _id 9 ms instead of 211 ms among 3,000 posts under load). FerretDB creates
// its own schema here; nothing else opens this database.
import { endpoints } from './endpoints.ts';
import { definePostgresCluster } from './postgres-cluster.ts';

export const ferretdbStore = definePostgresCluster({
  name: 'ferretdb-store',
  title: 'PostgreSQL (FerretDB storage)',
  ...endpoints.ferretdbStore,
  settings: {
    // Documents are the posts service's source of truth: keep full durability, but
    // let FerretDB's many small commits share one WAL flush.
    commit_delay: '200',
    commit_siblings: '2',
  },
  extensions: [],
});
