// Posts captured from the store's log: Debezium's change records of the posts
// collection, whichever backend ran. Each version of a post carries the domain
// event of the change that made it (`lastEvent`), so every version in the log
// is one event, and two quick changes are still two events.
//
// Natively FerretDB 1.24 keeps each document as one PostgreSQL row, column
// `_jsonb`: the document as JSON plus a `$s` map of its BSON types, which is
// ignored here because an event holds only strings, numbers, booleans, arrays
// and objects. The PostgreSQL connector sends that column as JSON text. Under
// Compose, Debezium's MongoDB connector sends the document as Extended JSON
// text in `after`. Either way the topic and its records have one shape, so the
// projections never learn which backend ran. Reading `_jsonb` ties this to
// FerretDB 1.24's storage format: the stack pins that version, and the
// recorded records in test-fixtures/posts-capture.json are parsed in tests.
import { z } from 'zod';
import { changeFromEvent, OutboxEvent, parseMessage, UnparseableMessageError, type ChangeEvent } from './events.ts';
import { topics } from './topics.ts';

const FerretRow = z.object({ _jsonb: z.string() });

export const DebeziumPostChange = z.object({
  /** FerretDB's row (natively), MongoDB's document as Extended JSON text (Compose), or null. */
  before: z.union([FerretRow, z.string()]).nullable().optional(),
  after: z.union([FerretRow, z.string()]).nullable().optional(),
  source: z.object({ ts_ms: z.number() }).loose(),
  op: z.enum(['c', 'u', 'd', 'r', 't']),
  ts_ms: z.number().optional(),
});

/** The part of a stored post this reads: the event of its last change (lazy: events.ts imports this module). */
const CapturedPost = z.object({ lastEvent: z.lazy(() => OutboxEvent).optional() }).loose();

/** Extended JSON's typed numbers (canonical mode) as plain numbers; everything else as it is. */
function relaxed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(relaxed);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [key, inner] = entries[0]!;
    if ((key === '$numberInt' || key === '$numberLong' || key === '$numberDouble') && typeof inner === 'string') return Number(inner);
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, relaxed(v)]));
}

function lastEventOf(image: z.infer<typeof FerretRow> | string | null | undefined): OutboxEvent | undefined {
  if (image === null || image === undefined) return undefined;
  let document: unknown;
  try {
    document = relaxed(JSON.parse(typeof image === 'string' ? image : image._jsonb));
  } catch (error) {
    throw new UnparseableMessageError(topics.postChanges, `the document is not JSON: ${(error as Error).message}`);
  }
  const parsed = CapturedPost.safeParse(document);
  if (!parsed.success) throw new UnparseableMessageError(topics.postChanges, `lastEvent: ${z.prettifyError(parsed.error)}`);
  return parsed.data.lastEvent;
}

/**
 * A captured change of a post → the ChangeEvent of the version it wrote, or null for what says
 * nothing new: the removal of a deleted post's row, a change that left the event as it was, a
 * document without an event (written before posts carried one), truncates.
 */
export function normalizePostChange(value: string | null | undefined): ChangeEvent | null {
  if (value === null || value === undefined || value === '') return null;
  const change = parseMessage(topics.postChanges, value, DebeziumPostChange);
  if (change.op === 'd' || change.op === 't') return null;
  const event = lastEventOf(change.after);
  if (!event) return null;
  if (event.aggregate !== 'post') throw new UnparseableMessageError(topics.postChanges, `a post's lastEvent is about a ${event.aggregate}`);
  if (change.op === 'u' && lastEventOf(change.before)?.eventId === event.eventId) return null;
  return changeFromEvent(event, change.ts_ms !== undefined ? new Date(change.ts_ms) : undefined);
}
