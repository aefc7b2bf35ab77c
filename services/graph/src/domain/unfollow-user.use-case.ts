import type { FollowBody } from '@polyglot/contracts/api';
import { NotFoundError } from '@polyglot/platform/errors';
import { followEvent, type OutboxWritten, type PendingOutboxEvent } from '../data-access/follow-events.ts';

export interface UnfollowWriter {
  /** Deletes the edge and writes its outbox event in one transaction; false when there was no edge. */
  unfollow(followerId: number, followeeId: number, event: PendingOutboxEvent): Promise<{ deleted: boolean; seq: number | null }>;
}

export interface UnfollowDeps {
  store: UnfollowWriter;
  outboxWritten: OutboxWritten;
}

/** Returns the outbox position of the FOLLOW_DELETED event (the consistency token). */
export async function unfollowUser(deps: UnfollowDeps, input: FollowBody, traceparent?: string): Promise<number> {
  const event = followEvent('FOLLOW_DELETED', input.followerId, input.followeeId, { traceparent });
  const { deleted, seq } = await deps.store.unfollow(input.followerId, input.followeeId, event);
  if (deleted) deps.outboxWritten();
  if (!deleted || seq === null) {
    throw new NotFoundError('FOLLOW_NOT_FOUND', `user ${input.followerId} does not follow user ${input.followeeId}; nothing to unfollow`, input);
  }
  return seq;
}
