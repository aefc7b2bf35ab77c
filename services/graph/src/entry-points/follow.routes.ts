import { ErrorBody, Follow, FollowBody } from '@polyglot/contracts/api';
import { withConsistencyToken } from '@polyglot/platform/consistency-token';
import type { HttpApp } from '@polyglot/platform/http-app';
import { z } from 'zod';
import type { OutboxWritten } from '../data-access/follow-events.ts';
import { BulkFollowsBody, BulkFollowsResult } from '@polyglot/contracts/seed';
import { bulkFollow, type BulkFollowWriter } from '../domain/bulk-follow.use-case.ts';
import { followUser, type FollowWriter } from '../domain/follow-user.use-case.ts';
import { unfollowUser, type UnfollowWriter } from '../domain/unfollow-user.use-case.ts';
import { traceparentOf } from '@polyglot/platform/tracing';

// The consistency token of a write: graph:FOLLOWER:SEQ, the seq of its outbox
// event, which is the event's position downstream (keyed by follower).
const followToken = (followerId: number, position: number | null) => (position === null ? null : { source: 'graph' as const, entityId: String(followerId), position });

export function registerFollowRoutes(app: HttpApp, deps: { store: FollowWriter & UnfollowWriter & BulkFollowWriter; outboxWritten: OutboxWritten }): void {
  // The seed's bulk path (./stackctl seed), internal: the gateway does not expose it.
  app.post(
    '/internal/follows/bulk',
    { bodyLimit: 2 * 1024 * 1024, schema: { summary: 'Create a batch of follows, each new one with its FOLLOW_CREATED', body: BulkFollowsBody, response: { 200: BulkFollowsResult, 400: ErrorBody, 413: ErrorBody, 503: ErrorBody } } },
    async (request) => bulkFollow(deps, request.body),
  );

  app.post(
    '/follow',
    {
      schema: {
        summary: 'Follow a user (idempotent: 201 when new, 200 when it already existed)',
        body: FollowBody,
        response: { 200: Follow, 201: Follow, 400: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      const { follow, position } = await followUser(deps, request.body, traceparentOf());
      return withConsistencyToken(reply, followToken(request.body.followerId, position)).status(follow.created ? 201 : 200).send(follow);
    },
  );

  app.delete(
    '/follow',
    {
      schema: {
        summary: 'Unfollow a user',
        body: FollowBody,
        response: { 204: z.null().describe('unfollowed'), 400: ErrorBody, 404: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      const position = await unfollowUser(deps, request.body, traceparentOf());
      return withConsistencyToken(reply, followToken(request.body.followerId, position)).status(204).send(null);
    },
  );
}
