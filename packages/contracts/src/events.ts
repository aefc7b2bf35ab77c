// The change events every projection understands. Two kinds of source produce
// them: Debezium (users from PostgreSQL's WAL, posts from the document store's
// log: post-capture.ts) and the graph's outbox relay (follows). Both are normalised into one ChangeEvent by pure functions, so
// projections are written once and tested on recorded messages.
import { z } from 'zod';
import { normalizePostChange } from './post-capture.ts';
import { topics } from './topics.ts';

export const EVENT_TYPES = [
  'USER_CREATED',
  'USER_UPDATED',
  'USER_DELETED',
  'POST_CREATED',
  'POST_UPDATED',
  'POST_DELETED',
  'POST_LIKED',
  'COMMENT_CREATED',
  'COMMENT_DELETED',
  'FOLLOW_CREATED',
  'FOLLOW_DELETED',
] as const;
export const EventType = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventType>;

/** What an outbox holds and a relay publishes: one domain event. */
export const OutboxEvent = z.object({
  /** Unique id (UUID), the idempotency key downstream. */
  eventId: z.uuid(),
  type: EventType,
  /** 'post' events are keyed by postId, 'follow' events by followerId. */
  aggregate: z.enum(['post', 'follow']),
  aggregateId: z.string().min(1),
  /** Position in the source's log: the post's version, or the graph outbox sequence. Increases per key. */
  position: z.number().int().nonnegative(),
  occurredAt: z.iso.datetime(),
  /** The user who caused it, when there is one. */
  actorId: z.number().int().positive().nullable(),
  data: z.record(z.string(), z.unknown()),
  /** W3C trace context of the request that made the change. */
  traceparent: z.string().optional(),
});
export type OutboxEvent = z.infer<typeof OutboxEvent>;

/** The public shape of a user inside events: never a password or its hash. */
export const UserSnapshot = z.object({
  id: z.number().int().positive(),
  email: z.string(),
  name: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type UserSnapshot = z.infer<typeof UserSnapshot>;

/** Debezium's value for a users row (JSON converter, schemas disabled). */
const DebeziumUserRow = z.object({
  id: z.number().int().positive(),
  email: z.string(),
  name: z.string(),
  // timestamptz columns arrive as ISO 8601 strings (Debezium's ZonedTimestamp, whatever
  // time.precision.mode says); epoch milliseconds are accepted too, for timestamp columns.
  created_at: z.union([z.number(), z.iso.datetime({ offset: true })]),
  updated_at: z.union([z.number(), z.iso.datetime({ offset: true })]),
  /** The W3C trace context of the write (null for a row written outside a trace, absent before the column existed). */
  traceparent: z.string().nullable().optional(),
  // Kept, not stripped: a row's other columns (its role) tell a real update from a trace stamp.
}).loose();
export const DebeziumUserChange = z.object({
  before: DebeziumUserRow.nullable(),
  after: DebeziumUserRow.nullable(),
  source: z.object({ lsn: z.number().int().nonnegative(), ts_ms: z.number(), txId: z.number().nullable().optional() }).loose(),
  op: z.enum(['c', 'u', 'd', 'r', 't']),
  ts_ms: z.number().optional(),
});
export type DebeziumUserChange = z.infer<typeof DebeziumUserChange>;

/** One change, whatever its source: what projections consume. */
export interface ChangeEvent {
  /** Idempotency key: replaying the same source message gives the same id. */
  eventId: string;
  type: EventType;
  source: 'users' | 'posts' | 'graph';
  /** Kafka key / entity: user id, post id or follower id, as a string. */
  entityId: string;
  /** Position in the source log for this entity (LSN for users). Increases per entity. */
  position: number;
  /** When the source committed it. */
  occurredAt: Date;
  /** When Debezium read it from the WAL (its envelope's ts_ms); absent for outbox events. */
  capturedAt?: Date;
  /** The user who caused it or whom it is about, for analytics. */
  userId: number | null;
  data: Record<string, unknown>;
  traceparent?: string;
}

export class UnparseableMessageError extends Error {
  readonly topic: string;
  constructor(topic: string, reason: string) {
    super(`message on ${topic} does not parse: ${reason}`);
    this.name = 'UnparseableMessageError';
    this.topic = topic;
  }
}

function userFromRow(row: z.infer<typeof DebeziumUserRow>): UserSnapshot {
  return { id: row.id, email: row.email, name: row.name, created_at: new Date(row.created_at).toISOString(), updated_at: new Date(row.updated_at).toISOString() };
}

/**
 * A Debezium users message → a ChangeEvent, or null for what projections
 * ignore (the tombstone that follows a delete, truncates).
 */
export function normalizeUserChange(value: string | null | undefined): ChangeEvent | null {
  if (value === null || value === undefined || value === '') return null;
  const change = parseMessage(topics.userChanges, value, DebeziumUserChange);
  if (change.op === 't') return null;
  const row = change.op === 'd' ? change.before : change.after;
  if (!row) throw new UnparseableMessageError(topics.userChanges, `op ${change.op} without ${change.op === 'd' ? 'before' : 'after'} image`);
  if (change.op === 'u' && change.before && isTraceStampOnly(change.before, row)) return null;
  const type: EventType = change.op === 'd' ? 'USER_DELETED' : change.op === 'u' ? 'USER_UPDATED' : 'USER_CREATED';
  return {
    eventId: `users:${change.source.lsn}:${change.op}:${row.id}`,
    type,
    source: 'users',
    entityId: String(row.id),
    position: change.source.lsn,
    occurredAt: new Date(change.source.ts_ms),
    ...(change.ts_ms !== undefined ? { capturedAt: new Date(change.ts_ms) } : {}),
    userId: row.id,
    data: userFromRow(row),
    ...(row.traceparent ? { traceparent: row.traceparent } : {}),
  };
}

/**
 * The update a delete makes first, in its own transaction, to stamp the row with its trace context
 * (services/users' repository): no column but traceparent changed, so it is no change to project.
 */
function isTraceStampOnly(before: Record<string, unknown>, after: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  keys.delete('traceparent');
  for (const key of keys) if (before[key] !== after[key]) return false;
  return before.traceparent !== after.traceparent;
}

/** A message's JSON value, checked against its schema; an UnparseableMessageError naming the topic otherwise. */
export function parseMessage<T extends z.ZodType>(topic: string, value: string, schema: T): z.output<T> {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (error) {
    throw new UnparseableMessageError(topic, (error as Error).message);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new UnparseableMessageError(topic, z.prettifyError(parsed.error));
  return parsed.data;
}

/** A domain event (from the graph's outbox, or carried by a captured post) → a ChangeEvent. */
export function changeFromEvent(event: OutboxEvent, capturedAt?: Date): ChangeEvent {
  return {
    eventId: event.eventId,
    type: event.type,
    source: event.aggregate === 'post' ? 'posts' : 'graph',
    entityId: event.aggregateId,
    position: event.position,
    occurredAt: new Date(event.occurredAt),
    ...(capturedAt ? { capturedAt } : {}),
    userId: event.actorId,
    data: event.data,
    ...(event.traceparent ? { traceparent: event.traceparent } : {}),
  };
}

/** An outbox relay's message → a ChangeEvent. */
export function normalizeOutboxEvent(topic: string, value: string | null | undefined): ChangeEvent {
  if (value === null || value === undefined || value === '') throw new UnparseableMessageError(topic, 'empty value');
  return changeFromEvent(parseMessage(topic, value, OutboxEvent));
}

/** Any pipeline message → ChangeEvent (null: nothing to project). */
export function normalizeMessage(topic: string, value: string | null | undefined): ChangeEvent | null {
  if (topic === topics.userChanges) return normalizeUserChange(value);
  if (topic === topics.postChanges) return normalizePostChange(value);
  return normalizeOutboxEvent(topic, value);
}
