// The graph outbox: (:Outbox) nodes written in the same transaction as the
// change they describe, numbered by the single (:OutboxSequence {name:'graph'})
// node, read and cleared by the relay.
import type { OutboxEvent } from '@polyglot/contracts/events';
import type { Driver, ManagedTransaction } from 'neo4j-driver';
import type { PendingOutboxEvent } from '../domain/follow-events.ts';
import { int, onGraphStore } from './neo4j.ts';

/**
 * Appends events inside the caller's transaction. Bumping the sequence node by
 * the whole count takes its write lock, so concurrent transactions get distinct,
 * gap-free seq numbers in commit order per lock holder.
 */
export async function appendOutbox(tx: ManagedTransaction, events: readonly PendingOutboxEvent[]): Promise<number[]> {
  if (events.length === 0) return [];
  const result = await tx.run(
    `MERGE (s:OutboxSequence {name: 'graph'}) ON CREATE SET s.value = 0
     SET s.value = s.value + $count
     WITH s.value - $count AS base
     UNWIND range(0, size($events) - 1) AS i
     WITH base + i + 1 AS seq, $events[i] AS e
     CREATE (:Outbox {
       eventId: e.eventId, seq: seq, position: seq, type: e.type, aggregate: e.aggregate,
       aggregateId: e.aggregateId, occurredAt: e.occurredAt, actorId: e.actorId, data: e.data,
       traceparent: e.traceparent
     })
     RETURN seq ORDER BY seq`,
    {
      count: int(events.length),
      events: events.map((e) => ({
        eventId: e.eventId,
        type: e.type,
        aggregate: e.aggregate,
        aggregateId: e.aggregateId,
        occurredAt: e.occurredAt,
        actorId: e.actorId === null ? null : int(e.actorId),
        // Neo4j properties cannot hold maps: the payload is stored as JSON text.
        data: JSON.stringify(e.data),
        traceparent: e.traceparent ?? null,
      })),
    },
  );
  return result.records.map((r) => r.get('seq') as number);
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

  /** The oldest pending events, in seq order. */
  async oldest(limit: number): Promise<OutboxEvent[]> {
    const result = await onGraphStore(this.driver, () => this.driver.executeQuery('MATCH (o:Outbox) RETURN o {.*} AS o ORDER BY o.seq LIMIT $limit', { limit: int(limit) }, { routing: 'READ' }));
    return result.records.map((r) => toOutboxEvent(r.get('o') as OutboxNode));
  }

  /** Removes exactly these events (after Kafka acknowledged them). */
  async remove(eventIds: readonly string[]): Promise<number> {
    if (eventIds.length === 0) return 0;
    const result = await onGraphStore(this.driver, () => this.driver.executeQuery('MATCH (o:Outbox) WHERE o.eventId IN $ids DELETE o RETURN count(*) AS n', { ids: [...eventIds] }));
    return (result.records[0]?.get('n') as number | undefined) ?? 0;
  }

  async count(): Promise<number> {
    const result = await onGraphStore(this.driver, () => this.driver.executeQuery('MATCH (o:Outbox) RETURN count(o) AS n', {}, { routing: 'READ' }));
    return (result.records[0]?.get('n') as number | undefined) ?? 0;
  }
}
