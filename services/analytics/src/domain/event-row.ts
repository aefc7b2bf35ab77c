// The pure half of the analytics projection: one ChangeEvent → one events row.
// Everything in the row comes from the source message (never the clock), so a
// replay yields the same (event_id, time) and the insert becomes a no-op.
import type { ChangeEvent } from '@polyglot/contracts/events';
import type { EventRow } from '../data-access/event.repository.ts';

export function eventToRow(event: ChangeEvent): EventRow {
  return {
    time: event.occurredAt,
    userId: event.userId,
    eventType: event.type,
    // The identity is repeated in properties so the seed's readers, which only know
    // the four original columns, still see which entity and version a row is about.
    properties: { ...event.data, entityId: event.entityId, position: event.position },
    eventId: event.eventId,
    source: event.source,
    entityId: event.entityId,
    position: event.position,
  };
}
