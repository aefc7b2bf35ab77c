// The graph outbox: (:Outbox) nodes written in the same transaction as the
// change they describe, numbered by the single (:OutboxSequence {name:'graph'})
// node, read and cleared by the relay.
import type { OutboxEvent } from '@polyglot/contracts/events';
import type { Driver, ManagedTransaction } from 'neo4j-driver';
import type { PendingOutboxEvent } from './follow-events.ts';
import { int, onGraphStore } from './neo4j.ts';

/**
 * Cypher that appends the events in `$events` to the outbox and ends with one row, `seqs`: their seq
 * numbers in order (empty when it ran for no row). Bumping the sequence node by the whole count takes
 * its write lock, so concurrent transactions get distinct, gap-free seq numbers in commit order per
 * lock holder. A statement that ends with it announces its change in the same round trip, and only
 * for the rows that reach it (e.g. an edge just created).
 */
export const APPEND_OUTBOX = `
  MERGE (s:OutboxSequence {name: 'graph'}) ON CREATE SET s.value = 0
  SET s.value = s.value + size($events)
  WITH s.value - size($events) AS base
  UNWIND range(0, size($events) - 1) AS i
  WITH base + i + 1 AS seq, $events[i] AS e
  CREATE (:Outbox {
    eventId: e.eventId, seq: seq, position: seq, type: e.type, aggregate: e.aggregate,
    aggregateId: e.aggregateId, occurredAt: e.occurredAt, actorId: e.actorId, data: e.data,
    traceparent: e.traceparent
  })
  WITH seq ORDER BY seq
  RETURN collect(seq) AS seqs`;

/**
 * The write path's statements are planned once and kept: each one's plan is fixed by unique
 * constraints or index hints, so no statistics can make a better one, while the :Outbox nodes,
 * created and deleted by the dozen, swing their statistics between empty and not often enough
 * that Neo4j otherwise discarded and re-planned them every few seconds (docs/adr/0021-jvms-on-two-cores.md).
 */
export const PLANNED_ONCE = 'CYPHER replan=skip';

/** The `$events` parameter of APPEND_OUTBOX. */
export function outboxEventsParam(events: readonly PendingOutboxEvent[]): Record<string, unknown>[] {
  return events.map((e) => ({
    eventId: e.eventId,
    type: e.type,
    aggregate: e.aggregate,
    aggregateId: e.aggregateId,
    occurredAt: e.occurredAt,
    actorId: e.actorId === null ? null : int(e.actorId),
    // Neo4j properties cannot hold maps: the payload is stored as JSON text.
    data: JSON.stringify(e.data),
    traceparent: e.traceparent ?? null,
  }));
}

/** Appends events inside the caller's transaction (APPEND_OUTBOX on its own); their seq numbers, in order. */
export async function appendOutbox(tx: Pick<ManagedTransaction, 'run'>, events: readonly PendingOutboxEvent[]): Promise<number[]> {
  if (events.length === 0) return [];
  const result = await tx.run(`${PLANNED_ONCE} ${APPEND_OUTBOX}`, { events: outboxEventsParam(events) });
  return (result.records[0]?.get('seqs') as number[] | undefined) ?? [];
}

interface OutboxNode {
  eventId: string;
  seq: number;
  type: OutboxEvent['type'];
  aggregate: OutboxEvent['aggregate'];
  aggregateId: string;
  position: number;
  occurredAt: string;
  actorId: number | null;
  data: string;
  traceparent?: string | null;
}

function toOutboxEvent(node: OutboxNode): OutboxEvent {
  return {
    eventId: node.eventId,
    type: node.type,
    aggregate: node.aggregate,
    aggregateId: node.aggregateId,
    position: node.position,
    occurredAt: node.occurredAt,
    actorId: node.actorId ?? null,
    data: JSON.parse(node.data) as Record<string, unknown>,
    ...(node.traceparent ? { traceparent: node.traceparent } : {}),
  };
}

export class OutboxRepository {
  private readonly driver: Driver;

  constructor(driver: Driver) {
    this.driver = driver;
  }

  // The relay's statements each run on their own, as auto-commit transactions: one round trip to Neo4j
  // instead of three (BEGIN, RUN, COMMIT); the relay retries a failed round itself.
  private async run(query: string, params: Record<string, unknown>, mode: 'READ' | 'WRITE') {
    return onGraphStore(this.driver, async () => {
      const session = this.driver.session({ defaultAccessMode: mode });
      try {
        return await session.run(query, params);
      } finally {
        await session.close();
      }
    });
  }

  /** The oldest pending events, in seq order: read from the seq index in its order, `limit` nodes at most. */
  async oldest(limit: number): Promise<OutboxEvent[]> {
    const result = await this.run(
      `${PLANNED_ONCE} MATCH (o:Outbox) USING INDEX o:Outbox(seq) WHERE o.seq IS NOT NULL
       WITH o ORDER BY o.seq LIMIT $limit
       RETURN o {.*} AS o`,
      { limit: int(limit) },
      'READ',
    );
    return result.records.map((r) => toOutboxEvent(r.get('o') as OutboxNode));
  }

  /** Removes exactly these events (after Kafka acknowledged them). */
  async remove(eventIds: readonly string[]): Promise<number> {
    if (eventIds.length === 0) return 0;
    const result = await this.run(`${PLANNED_ONCE} MATCH (o:Outbox) USING INDEX o:Outbox(eventId) WHERE o.eventId IN $ids DELETE o RETURN count(*) AS n`, { ids: [...eventIds] }, 'WRITE');
    return (result.records[0]?.get('n') as number | undefined) ?? 0;
  }

  async count(): Promise<number> {
    const result = await this.run(`${PLANNED_ONCE} MATCH (o:Outbox) RETURN count(o) AS n`, {}, 'READ');
    return (result.records[0]?.get('n') as number | undefined) ?? 0;
  }
}
