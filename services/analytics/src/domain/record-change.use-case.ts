// One pipeline message → at most one events row. A message that can never be
// parsed is a PermanentError, so the consumer loop dead-letters it at once.
import { normalizeMessage, UnparseableMessageError, type ChangeEvent } from '@polyglot/contracts/events';
import { PermanentError } from '@polyglot/platform/kafka';
import type { EventRepository } from '../data-access/event.repository.ts';
import type { DropFault } from './drop-fault.ts';
import { eventToRow } from './event-row.ts';

export type RecordOutcome = { outcome: 'inserted' | 'duplicate'; event: ChangeEvent } | { outcome: 'ignored'; event: null };

/** drop: the test fault dropOneIn, in a test's own process only (drop-fault.ts). */
export async function recordChange(events: EventRepository, topic: string, value: string | null, drop?: DropFault): Promise<RecordOutcome> {
  let event;
  try {
    event = normalizeMessage(topic, value);
  } catch (error) {
    if (error instanceof UnparseableMessageError) throw new PermanentError(error.message, { cause: error });
    throw error;
  }
  // Debezium's tombstone after a delete, or a truncate: nothing happened to record.
  if (event === null) return { outcome: 'ignored', event: null };
  if (drop?.drops()) return { outcome: 'inserted', event };
  return { outcome: (await events.insert(eventToRow(event))) ? 'inserted' : 'duplicate', event };
}

/**
 * Several messages → their rows in one INSERT. Throws on anything unusual (a
 * message that does not parse, a row the database refuses), so the caller
 * falls back to recording them one by one.
 */
export async function recordChanges(events: EventRepository, messages: ReadonlyArray<{ topic: string; value: string | null }>, drop?: DropFault): Promise<Array<{ event: ChangeEvent; inserted: boolean } | null>> {
  const changes = messages.map((m) => normalizeMessage(m.topic, m.value));
  const dropped = new Set(drop ? changes.filter((c): c is ChangeEvent => c !== null && drop.drops()).map((c) => c.eventId) : []);
  // The same change twice in one batch must stay one row: the first one wins, as it would one by one.
  const rows = new Map(changes.filter((c): c is ChangeEvent => c !== null && !dropped.has(c.eventId)).map((c) => [c.eventId, eventToRow(c)] as const));
  const inserted = await events.insertMany([...rows.values()]);
  for (const eventId of dropped) inserted.add(eventId);
  // A change is inserted once: its first occurrence in the batch carries the new row.
  const seen = new Set<string>();
  return changes.map((c) => {
    if (!c) return null;
    const first = inserted.has(c.eventId) && !seen.has(c.eventId);
    seen.add(c.eventId);
    return { event: c, inserted: first };
  });
}
