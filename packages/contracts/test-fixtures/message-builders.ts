// Pipeline messages built for tests, shaped like Debezium's and the graph relay's,
// and the small helpers that produce them to the real broker.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { EventType, OutboxEvent } from '../src/events.ts';
import { topics } from '../src/topics.ts';

/** The least a producer must offer (StringProducer of @polyglot/platform/kafka). */
interface Sender {
  send(request: { messages: Array<{ topic: string; key?: string; value?: string }> }): Promise<{ offsets?: Array<{ partition: number; offset: bigint | number | string }> }>;
}

/** A user id no real user has: the users table counts up from 1. */
export const testUserId = (): number => 900_000_000 + randomInt(99_999_999);
export const testPostId = (): string => randomBytes(12).toString('hex');

let lsn = Date.now() * 1000;
/** A position later than every one handed out before. */
export const nextLsn = (): number => (lsn += 8);

/** Debezium's value for a users change; timestamps as epoch milliseconds. */
export function debeziumChange(op: 'c' | 'u' | 'd', id: number, name: string, position = nextLsn()): string {
  const now = Date.now();
  const row = { id, email: `test-${id}@example.test`, name, created_at: now - 1000, updated_at: now };
  return JSON.stringify({
    before: op === 'c' ? null : row,
    after: op === 'd' ? null : row,
    source: { version: '3.6.1.Final', connector: 'postgresql', name: 'users-db', ts_ms: now, db: 'users', table: 'users', lsn: position, txId: 1 },
    op,
    ts_ms: now + 5,
  });
}

export function outboxEvent(type: EventType, aggregateId: string, actorId: number | null, data: Record<string, unknown>, position = 1): string {
  const event: OutboxEvent = {
    eventId: randomUUID(),
    type,
    aggregate: type.startsWith('FOLLOW') ? 'follow' : 'post',
    aggregateId,
    position,
    occurredAt: new Date().toISOString(),
    actorId,
    data,
  };
  return JSON.stringify(event);
}

let captureLsn = Date.now() * 1000;

/**
 * A post's version as the posts connector captures it from FerretDB's storage (the shape of
 * test-fixtures/posts-capture.json): the row's `_jsonb` carries the document with the event of its
 * change as lastEvent. `event` is an outboxEvent(...) string.
 */
export function capturedPost(event: string, op: 'c' | 'u' = 'c'): string {
  const lastEvent = JSON.parse(event) as OutboxEvent;
  const now = Date.now();
  const document = { $s: { p: {}, $k: [] }, _id: lastEvent.aggregateId, version: lastEvent.position, lastEvent };
  return JSON.stringify({
    before: null,
    after: { _jsonb: JSON.stringify(document) },
    source: { version: '3.6.1.Final', connector: 'postgresql', name: 'posts-db', ts_ms: now, db: 'ferretdb', schema: 'posts', table: 'posts_4c2edfdc', lsn: (captureLsn += 8), txId: 1 },
    op,
    ts_ms: now + 5,
  });
}

export interface Produced {
  topic: string;
  partition: number;
  offset: bigint;
}

export async function produce(producer: Sender, topic: string, key: string | null, value: string | null): Promise<Produced> {
  const result = await producer.send({ messages: [{ topic, ...(key === null ? {} : { key }), ...(value === null ? {} : { value }) }] });
  const at = result.offsets?.[0];
  if (!at) throw new Error(`no offset for the message produced to ${topic}`);
  return { topic, partition: at.partition, offset: BigInt(at.offset) };
}

/**
 * A test user a test mentioned on the shared topics (as a post's author, say: the graph
 * projection makes a :User node for a post's author) ends deleted there, as Debezium would
 * say it: the delete, then the tombstone. The stack's projections apply the shared topics
 * too, now or when they start again, so each test user must end deleted in the log.
 */
export async function retireTestUsers(producer: Sender, ids: Iterable<number>): Promise<void> {
  for (const id of new Set(ids)) {
    if (id < 900_000_000) throw new Error(`${id} is not a test user id (900000000 and up)`);
    const key = JSON.stringify({ id });
    await producer.send({ messages: [{ topic: topics.userChanges, key, value: debeziumChange('d', id, 'test user') }, { topic: topics.userChanges, key }] });
  }
}
