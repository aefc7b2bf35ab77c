// What a component test's database left in the store's log: every version of every post as
// PostgreSQL logged it, read through a logical replication slot of its own (test_decoding,
// which needs no publication), so a test sees the events the capture would see, in order.
// Only the stack's database is captured by Debezium; a test's database is read here instead.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { endpoints } from '@polyglot/contracts/endpoints';
import type { OutboxEvent } from '@polyglot/contracts/events';

export interface StoreLog {
  /** The event of each version written since the log was opened, in log order. */
  events(): Promise<OutboxEvent[]>;
  close(): Promise<void>;
}

// test_decoding prints a row as `table SCHEMA.TABLE: INSERT: _jsonb[jsonb]:'…'` (quotes doubled inside).
const ROW = /^table ([^.]+)\.(posts_[0-9a-f]{8}): (?:INSERT|UPDATE): _jsonb\[jsonb\]:'(.*)'$/s;

/** Whether the URL names a database of the stack's FerretDB, whose storage this can read. */
export function onStackFerretDb(mongoUrl: string): boolean {
  const url = new URL(mongoUrl);
  return ['127.0.0.1', 'localhost'].includes(url.hostname) && Number(url.port || 27017) === endpoints.ferretdb.port;
}

export async function openStoreLog(mongoUrl: string): Promise<StoreLog> {
  const schema = new URL(mongoUrl).pathname.slice(1);
  const slot = `test_posts_${randomBytes(8).toString('hex')}`;
  const client = new pg.Client({ host: '127.0.0.1', port: endpoints.ferretdbStore.port, user: endpoints.ferretdbStore.user, password: endpoints.ferretdbStore.password, database: endpoints.ferretdbStore.database });
  // A test that stops the store later must not fail on this connection's loss.
  client.on('error', () => undefined);
  await client.connect();
  await client.query("SELECT pg_create_logical_replication_slot($1, 'test_decoding')", [slot]);
  return {
    async events() {
      const { rows } = await client.query<{ data: string }>('SELECT data FROM pg_logical_slot_peek_changes($1, NULL, NULL)', [slot]);
      const events: OutboxEvent[] = [];
      for (const { data } of rows) {
        const row = ROW.exec(data);
        if (!row || row[1] !== schema) continue;
        const document = JSON.parse(row[3]!.replaceAll("''", "'")) as { lastEvent?: OutboxEvent };
        if (document.lastEvent) events.push(document.lastEvent);
      }
      return events;
    },
    async close() {
      // A slot left behind would keep the cluster's WAL forever.
      await client.query('SELECT pg_drop_replication_slot($1)', [slot]).catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}
