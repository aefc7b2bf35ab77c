import type { FollowBody } from '@polyglot/contracts/api';
import { AppError } from '@polyglot/platform/errors';
import { followEvent, type OutboxWritten, type PendingOutboxEvent } from '../data-access/follow-events.ts';

export interface FollowWriter {
  /** Creates the edge and its outbox event in one transaction; created is false (and seq null) when it already existed. */
  follow(followerId: number, followeeId: number, event: PendingOutboxEvent): Promise<{ created: boolean; seq: number | null }>;
}

export interface FollowDeps {
  store: FollowWriter;
  outboxWritten: OutboxWritten;
}

export interface FollowResult {
  followerId: number;
  followeeId: number;
  created: boolean;
}

/** The follow, and the outbox position of its event (the consistency token) when one was written. */
export async function followUser(deps: FollowDeps, input: FollowBody, traceparent?: string): Promise<{ follow: FollowResult; position: number | null }> {
  if (input.followerId === input.followeeId) throw new AppError('SELF_FOLLOW', 'a user cannot follow themselves');
  const event = followEvent('FOLLOW_CREATED', input.followerId, input.followeeId, { traceparent });
  const { created, seq } = await deps.store.follow(input.followerId, input.followeeId, event);
  if (created) deps.outboxWritten();
  return { follow: { followerId: input.followerId, followeeId: input.followeeId, created }, position: seq };
}
