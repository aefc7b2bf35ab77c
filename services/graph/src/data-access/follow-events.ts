// The outbox events a follow change produces. The position is not known here:
// it is the graph outbox sequence, taken inside the transaction that writes the change.
import { randomUUID } from 'node:crypto';
import type { OutboxEvent } from '@polyglot/contracts/events';
import type { FollowEventData } from '@polyglot/contracts/post-events';

export type PendingOutboxEvent = Omit<OutboxEvent, 'position'>;

/**
 * Told once a transaction that wrote outbox events has committed, so the relay
 * publishes them now rather than at its next poll. A plain call into the relay
 * in this process; only a hint, the outbox stays the record.
 */
export type OutboxWritten = () => void;

export interface FollowEventOptions {
  occurredAt?: Date;
  traceparent?: string | undefined;
  /** Why the follow went, when it was not the follower's own unfollow. */
  cause?: 'USER_DELETED';
}

export function followEvent(type: 'FOLLOW_CREATED' | 'FOLLOW_DELETED', followerId: number, followeeId: number, options: FollowEventOptions = {}): PendingOutboxEvent {
  const data: FollowEventData & { cause?: string } = { followerId, followeeId };
  if (options.cause) data.cause = options.cause;
  return {
    eventId: randomUUID(),
    type,
    aggregate: 'follow',
    // Keyed by the follower, so one user's follows and unfollows stay in order.
    aggregateId: String(followerId),
    occurredAt: (options.occurredAt ?? new Date()).toISOString(),
    actorId: followerId,
    data: { ...data },
    ...(options.traceparent ? { traceparent: options.traceparent } : {}),
  };
}
