// Kafka helpers shared by the relays and the one consumer (SupervisedConsumer,
// consumer.ts, which hands its handlers batches): the brokers' address, an
// idempotent producer, topics made with their contract's partitions, a record's
// size and whether the broker refuses it for what it is (so a relay's sends stay
// under message.max.bytes), dead letters and their replays, and what a handler
// reports of each change it applied.
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import type { ChangeEvent } from '@polyglot/contracts/events';
import { KAFKA_MAX_MESSAGE_BYTES, partitionsOf, topics } from '@polyglot/contracts/topics';

export function kafkaBrokers(): string[] {
  return (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()).filter(Boolean);
}

export type StringProducer = Producer<string, string, string, string>;

export function createProducer(clientId: string): StringProducer {
  return new Producer({ clientId, bootstrapBrokers: kafkaBrokers(), serializers: stringSerializers, idempotent: true, acks: -1, retries: 5 });
}

/**
 * Creates the topics that do not exist yet, each with its contract's partitions (partitionsOf), or
 * with `partitions` when given (a test's own topic). Replication 1: there is one broker.
 */
export async function ensureTopics(names: readonly string[], partitions?: number, brokers: string[] = kafkaBrokers()): Promise<void> {
  const admin = new Admin({ clientId: 'topic-setup', bootstrapBrokers: brokers });
  try {
    const existing = new Set(await admin.listTopics());
    const byCount = new Map<number, string[]>();
    for (const name of names) {
      if (existing.has(name)) continue;
      const count = partitions ?? partitionsOf(name);
      byCount.set(count, [...(byCount.get(count) ?? []), name]);
    }
    for (const [count, missing] of byCount) {
      await admin.createTopics({ topics: missing, partitions: count, replicas: 1 }).catch((error: unknown) => {
        // Another process may have created it meanwhile.
        if (!/already exists/i.test(String((error as Error).message))) throw error;
      });
    }
  } finally {
    await admin.close();
  }
}

export interface InboundMessage {
  topic: string;
  partition: number;
  offset: bigint;
  key: string | null;
  value: string | null;
  timestamp: Date;
  headers: Record<string, string>;
}

export interface DeadLetter {
  /** The consumer group that gave up, or the relay that could not produce the event. */
  group: string;
  topic: string;
  /** -1 (with offset "-1") when the message never reached its topic: a relay could not produce it. */
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  error: string;
  attempts: number;
  failedAt: string;
  /** The message's own headers (its traceparent), so a replay carries them again. */
  headers?: Record<string, string>;
  /** 'produce': a relay could not produce the event; absent ('consume'): a consumer could not apply it. */
  stage?: 'consume' | 'produce';
  /** The dead letter whose replay failed again: this record takes its place in the list. */
  replayOf?: string;
  /** The value was cut to fit the dead-letter topic; such a letter cannot be replayed. */
  valueTruncated?: boolean;
}

/**
 * Headers of a replayed dead letter. A replay goes back to the message's own
 * topic and partition, but only the group named here applies it (every other
 * group already did, or has dead letters of its own); that group then records
 * the replay as applied under its id, and the letter leaves the list.
 */
export const REPLAY_HEADERS = { id: 'x-dead-letter-id', group: 'x-dead-letter-group' } as const;

/**
 * What pipeline.dead-letter-replays holds, keyed by the dead letter's id: a
 * replay was published, or applied; or the letter was withdrawn by whoever
 * wrote it (a test withdraws the letters it made, so that no one replays them).
 */
export interface DeadLetterReplayRecord {
  id: string;
  state: 'replayed' | 'applied' | 'discarded';
  group: string;
  at: string;
}

/** The replay a message carries, if it is one. */
export function replayOf(message: Pick<InboundMessage, 'headers'>): { id: string; group: string } | null {
  const id = message.headers[REPLAY_HEADERS.id];
  const group = message.headers[REPLAY_HEADERS.group];
  return id && group ? { id, group } : null;
}

/**
 * What a relay puts in one send at most, by default: under the broker's limit
 * with room for the batch's and the records' framing.
 */
export const DEFAULT_RELAY_BATCH_BYTES = 900 * 1024;

/** Bytes a record takes in a batch: its key, value and headers, and a generous allowance for the framing. */
export function recordBytes(message: { key?: string | null; value?: string | null; headers?: Record<string, string> | undefined }): number {
  let bytes = 64 + Buffer.byteLength(message.key ?? '') + Buffer.byteLength(message.value ?? '');
  for (const [name, value] of Object.entries(message.headers ?? {})) bytes += 8 + Buffer.byteLength(name) + Buffer.byteLength(value);
  return bytes;
}

/** Broker answers that say "this record will never be accepted", whatever the retries. */
const REJECTED_RECORD = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_TIMESTAMP', 'INVALID_RECORD_LIST']);

/** Whether a failed send was refused for what it carried (too large, invalid), rather than for the broker being away. */
export function isRejectedRecord(error: unknown): boolean {
  const seen = new Set<unknown>();
  const visit = (e: unknown): boolean => {
    if (!e || typeof e !== 'object' || seen.has(e)) return false;
    seen.add(e);
    const { apiId, errors, cause } = e as { apiId?: unknown; errors?: unknown; cause?: unknown };
    if (typeof apiId === 'string' && REJECTED_RECORD.has(apiId)) return true;
    if (Array.isArray(errors) && errors.some(visit)) return true;
    return visit(cause);
  };
  return visit(error);
}

/** Room kept in a dead-letter record for everything but the value. */
const DEAD_LETTER_ENVELOPE_BYTES = 64 * 1024;

/**
 * Sends a dead letter. A value too large for the dead-letter topic itself is
 * cut (and the letter marked valueTruncated): the letter still tells what
 * failed and why, but cannot be replayed.
 */
export async function sendDeadLetter(producer: StringProducer, letter: DeadLetter): Promise<void> {
  const limit = KAFKA_MAX_MESSAGE_BYTES - DEAD_LETTER_ENVELOPE_BYTES;
  let sent = letter;
  if (letter.value !== null && Buffer.byteLength(letter.value) > limit) {
    const kept = Buffer.from(letter.value).subarray(0, limit).toString('utf8').replace(/\uFFFD$/, '');
    sent = { ...letter, value: kept, valueTruncated: true, error: `${letter.error} (its value was cut to ${Buffer.byteLength(kept)} of ${Buffer.byteLength(letter.value)} bytes to fit here, so it cannot be replayed)` };
  }
  await producer.send({ messages: [{ topic: topics.deadLetters, key: letter.key ?? undefined, value: JSON.stringify(sent) }] });
}

/** An error no retry can fix (a message that does not parse): straight to the dead-letter topic. */
export class PermanentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

/** Which change a message carried: what a projection's watermark advances to. */
export interface ChangeRef {
  source: ChangeEvent['source'];
  entityId: string;
  position: number;
  type: string;
}

/** What a handler may return: when the change was committed at its source, to measure commit → applied. */
export interface AppliedChange {
  occurredAt: Date;
  change?: ChangeRef;
  /** Epoch ms when Debezium read the change from the WAL (users only). */
  capturedAt?: number;
  /** Where the change was read from, and when Kafka took it (the record's timestamp). */
  kafka?: { topic: string; partition: number; offset: string; publishedAt: number };
  /** Applied before (a replay): moves watermarks, but its age is not a latency sample. */
  replay?: boolean;
}

/** The change, with the message it came in: each hop of its journey has a timestamp. */
export function fromMessage(applied: AppliedChange, message: InboundMessage): AppliedChange {
  return { ...applied, kafka: { topic: message.topic, partition: message.partition, offset: String(message.offset), publishedAt: message.timestamp.getTime() } };
}

/** The AppliedChange of a normalised event. */
export function appliedOf(event: ChangeEvent, replay = false): AppliedChange {
  return {
    occurredAt: event.occurredAt,
    change: { source: event.source, entityId: event.entityId, position: event.position, type: event.type },
    ...(event.capturedAt ? { capturedAt: event.capturedAt.getTime() } : {}),
    ...(replay ? { replay } : {}),
  };
}
