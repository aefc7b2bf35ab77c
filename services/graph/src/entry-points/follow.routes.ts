import { ErrorBody, Follow, FollowBody } from '@polyglot/contracts/api';
import type { HttpApp } from '@polyglot/platform/http-app';
import { z } from 'zod';
import { followUser, type FollowWriter } from '../domain/follow-user.use-case.ts';
import { unfollowUser, type UnfollowWriter } from '../domain/unfollow-user.use-case.ts';
import { traceparentOf } from './traceparent.ts';

// The consistency token of a write: the seq of its outbox event, which is the
// event's position downstream. The gateway relays it as x-consistency-token.
const SOURCE_POSITION_HEADER = 'x-source-position';

export function registerFollowRoutes(app: HttpApp, store: FollowWriter & UnfollowWriter): void {
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
      const { follow, position } = await followUser(store, request.body, traceparentOf(request.headers));
      if (position !== null) reply.header(SOURCE_POSITION_HEADER, String(position));
      return reply.status(follow.created ? 201 : 200).send(follow);
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
      const position = await unfollowUser(store, request.body, traceparentOf(request.headers));
      return reply.header(SOURCE_POSITION_HEADER, String(position)).status(204).send(null);
    },
  );
}
