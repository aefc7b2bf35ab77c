// The PostgreSQL cluster under FerretDB, which stores its documents here rather
// than in SQLite, where every query scans the collection
// (docs/adr/0004-ferretdb-on-postgresql.md). FerretDB creates its own schema
// here; Debezium reads the posts table's changes (posts-capture.ts).
//
// One addition under FerretDB: FerretDB 1.24 turns {_id: x} into
// `_jsonb->'_id' @> x` (containment, as a field may be an array), which its
// btree index on `_jsonb->'_id'` cannot answer, so without help every findOne
// and update by _id reads the whole collection. A GIN index on the same
// expression answers `@>`. An event trigger gives it to every table FerretDB
// creates, and the tables made before the trigger get it at the next start.
// FerretDB neither sees nor needs it: dropping a collection drops its table and
// the index. The same for `author_id`, which FerretDB pushes down the same way:
// a deleted user's posts are found by it (the posts service's cascade)
// (docs/adr/0012-ferretdb-containment-indexes.md).
import { endpoints } from './endpoints.ts';
import { POSTS_CAPTURE, POSTS_CAPTURE_SLOT } from './posts-capture.ts';
import { definePostgresCluster } from './postgres-cluster.ts';

const ID_CONTAINMENT_INDEXES = `
CREATE OR REPLACE FUNCTION stack_ferretdb_id_index(target regclass) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = target AND attname = '_jsonb' AND NOT attisdropped) THEN
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s USING gin ((_jsonb -> ''_id'') jsonb_path_ops)',
                   left((SELECT relname FROM pg_class WHERE oid = target), 50) || '_id_gin', target);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s USING gin ((_jsonb -> ''author_id'') jsonb_path_ops)',
                   left((SELECT relname FROM pg_class WHERE oid = target), 50) || '_author_gin', target);
  END IF;
END $fn$;

SELECT stack_ferretdb_id_index(c.oid::regclass)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'public') AND n.nspname NOT LIKE 'pg_%';
`;

// Every table FerretDB creates gets the index above and, if it is the posts table, its capture.
const NEW_TABLES = `
CREATE OR REPLACE FUNCTION stack_ferretdb_new_table() RETURNS event_trigger LANGUAGE plpgsql AS $fn$
DECLARE created record;
BEGIN
  FOR created IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE TABLE' AND object_type = 'table' LOOP
    PERFORM stack_ferretdb_id_index(created.objid::regclass);
    PERFORM stack_posts_capture(created.objid::regclass);
  END LOOP;
END $fn$;

DROP EVENT TRIGGER IF EXISTS stack_ferretdb_id_index;
DROP EVENT TRIGGER IF EXISTS stack_ferretdb_new_table;
CREATE EVENT TRIGGER stack_ferretdb_new_table ON ddl_command_end WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION stack_ferretdb_new_table();
`;

export const ferretdbStore = definePostgresCluster({
  name: 'ferretdb-store',
  title: 'PostgreSQL (FerretDB storage)',
  port: endpoints.ferretdbStore.port,
  user: endpoints.ferretdbStore.user,
  password: () => endpoints.ferretdbStore.password,
  database: endpoints.ferretdbStore.database,
  settings: {
    // Documents are the posts service's source of truth: keep full durability, but
    // let FerretDB's many small commits share one WAL flush.
    commit_delay: '200',
    commit_siblings: '2',
    // Logical decoding for the posts connector (one slot, one WAL sender), and the slots the
    // posts service's component tests read their own database's log through.
    wal_level: 'logical',
    max_wal_senders: '4',
    max_replication_slots: '16',
  },
  extensions: [],
  everyStartSql: [ID_CONTAINMENT_INDEXES, POSTS_CAPTURE, NEW_TABLES, POSTS_CAPTURE_SLOT],
});
