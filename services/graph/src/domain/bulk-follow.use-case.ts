import type { BulkFollowsBody, BulkFollowsResult } from '@polyglot/contracts/seed';
import { followEvent, type OutboxWritten, type PendingOutboxEvent } from '../data-access/follow-events.ts';

export interface BulkFollowWriter {
  followMany(pairs: BulkFollowsBody['follows'], eventFor: (followerId: number, followeeId: number) => PendingOutboxEvent): Promise<number>;
}

/** The seed's follows, one transaction per batch; the relay publishes their events like any other. */
export async function bulkFollow(deps: { store: BulkFollowWriter; outboxWritten: OutboxWritten }, input: BulkFollowsBody): Promise<BulkFollowsResult> {
  const created = await deps.store.followMany(input.follows, (followerId, followeeId) => followEvent('FOLLOW_CREATED', followerId, followeeId));
  if (created > 0) deps.outboxWritten();
  return { created };
}
