// Test helpers that talk to the real broker: produce pipeline messages shaped
// like Debezium's and the relays', and find a dead letter.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { Consumer, stringDeserializers } from '@platformatic/kafka';
import type { EventType, OutboxEvent } from '@polyglot/contracts/events';
import { topics } from '@polyglot/contracts/topics';
import { kafkaBrokers, type DeadLetter, type StringProducer } from '@polyglot/platform/kafka';

export async function waitFor(check: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A user id no real user has: the users table counts up from 1. */
export const testUserId = (): number => 900_000_000 + randomInt(99_999_999);
export const testPostId = (): string => randomBytes(12).toString('hex');

let lsn = Date.now() * 1000;
/** Debezium's value for a users change; timestamps as epoch milliseconds. */
export function debeziumChange(op: 'c' | 'u' | 'd', id: number, name: string, tsMs = Date.now()): string {
  const row = { id, email: `analytics-${id}@example.test`, name, created_at: tsMs - 1000, updated_at: tsMs };
  return JSON.stringify({
    before: op === 'c' ? null : row,
    after: op === 'd' ? null : row,
    source: { version: '3.6.1.Final', connector: 'postgresql', name: 'users-db', ts_ms: tsMs, db: 'users', table: 'users', lsn: (lsn += 8), txId: 1 },
    op,
    ts_ms: tsMs + 5,
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

export async function produce(producer: StringProducer, topic: string, key: string | null, value: string | null): Promise<{ partition: number; offset: string }> {
  const result = await producer.send({ messages: [{ topic, key: key ?? undefined, value: value ?? undefined }] });
  const at = result.offsets?.[0];
  if (!at) throw new Error(`no offset for the message produced to ${topic}`);
  return { partition: at.partition, offset: String(at.offset) };
}

/** Reads the dead-letter topic from the start until a letter matches. */
export async function findDeadLetter(matches: (letter: DeadLetter) => boolean, ms: number): Promise<DeadLetter> {
  const consumer = new Consumer({ clientId: 'dead-letter-probe', groupId: `dead-letter-probe-${randomUUID()}`, bootstrapBrokers: kafkaBrokers(), deserializers: stringDeserializers });
  try {
    const stream = await consumer.consume({ topics: [topics.deadLetters], mode: 'earliest', autocommit: false, maxWaitTime: 100 });
    const timer = setTimeout(() => stream.destroy(new Error(`no matching dead letter within ${ms} ms`)), ms);
    try {
      for await (const message of stream) {
        let letter: DeadLetter;
        try {
          letter = JSON.parse(String(message.value)) as DeadLetter;
        } catch {
          continue;
        }
        if (matches(letter)) return letter;
      }
    } finally {
      clearTimeout(timer);
    }
    throw new Error('the dead-letter stream ended');
  } finally {
    await consumer.close(true);
  }
}
