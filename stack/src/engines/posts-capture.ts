// The store side of capturing posts from FerretDB's PostgreSQL (the native stack): the SQL run in
// ferretdb-store at every start. The Connect side is the posts connector in cdc-connectors.ts.
import { endpoints } from './endpoints.ts';

/** The publication's and the replication slot's name. */
export const POSTS_CAPTURE_NAME = 'dbz_posts';
/** FerretDB keeps each database as a PostgreSQL schema of that name. */
export const POSTS_SCHEMA = endpoints.ferretdb.database;

// Posts are captured from this cluster's WAL, as users are from theirs: each version of a post is
// one row change of FerretDB's table for the `posts` collection, read by the Debezium connector of
// cdc-connectors.ts. Three things make that possible:
// - the publication lists just that table (FerretDB names it posts_ + 8 hex digits, in the schema
//   named after the database), added when FerretDB creates it (ferretdb-store.ts's event trigger calls
//   stack_posts_capture), so other collections and the
//   component tests' databases (posts_test_…) are not captured;
// - its replica identity is FULL: FerretDB's tables have no primary key, only a unique expression
//   index, and PostgreSQL refuses UPDATE and DELETE on a published table without an identity;
// - the replication slot is made here, before FerretDB starts, so every change made from then on
//   waits in the slot, even one made before Connect has first registered the connector.
export const POSTS_CAPTURE = `
DO $do$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = '${POSTS_CAPTURE_NAME}') THEN
    CREATE PUBLICATION ${POSTS_CAPTURE_NAME};
  END IF;
END $do$;

CREATE OR REPLACE FUNCTION stack_posts_capture(target regclass) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.oid = target AND n.nspname = '${POSTS_SCHEMA}' AND c.relname ~ '^posts_[0-9a-f]{8}$') THEN
    EXECUTE format('ALTER TABLE %s REPLICA IDENTITY FULL', target);
    IF NOT EXISTS (SELECT 1 FROM pg_publication_rel r JOIN pg_publication p ON p.oid = r.prpubid
                    WHERE p.pubname = '${POSTS_CAPTURE_NAME}' AND r.prrelid = target) THEN
      EXECUTE format('ALTER PUBLICATION ${POSTS_CAPTURE_NAME} ADD TABLE %s', target);
    END IF;
  END IF;
END $fn$;

SELECT stack_posts_capture(c.oid::regclass)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'r' AND n.nspname = '${POSTS_SCHEMA}';
`;

// Apart: a logical slot cannot be made in a transaction that has written.
export const POSTS_CAPTURE_SLOT = `
SELECT pg_create_logical_replication_slot('${POSTS_CAPTURE_NAME}', 'pgoutput')
 WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '${POSTS_CAPTURE_NAME}');
`;

