// /follow and /relationships: the social graph, kept by the graph service.
import { z } from 'zod';
import { Follow, FollowBody, Relationship, RelationshipsPageQuery } from '@polyglot/contracts/api';
import type { HttpApp } from '@polyglot/platform/http-app';
import { follow, listRelationships, unfollow } from '../domain/follows.use-case.ts';
import type { GatewayDeps } from '../domain/gateway-deps.ts';
import { consistencyTimeout, ReadQuery, settleWrite, withConsistency, WriteQuery } from './consistency.hooks.ts';
import { bounded } from '../domain/bounded-list.ts';
import { callerOf, bearer, errors, linkNext, WRITE_ERRORS, noSession } from './route-helpers.ts';

const tags = ['follows'];

export function registerFollowRoutes(app: HttpApp, deps: GatewayDeps): void {
  app.post(
    '/follow',
    {
      schema: {
        tags,
        operationId: 'follow', summary: 'Follow a user: 201 when new, 200 when it already existed',
        security: bearer,
        body: FollowBody,
        response: { 201: withConsistency(Follow), 200: withConsistency(Follow), ...errors(...WRITE_ERRORS, 404), ...consistencyTimeout }, querystring: WriteQuery,
      },
    },
    async (request, reply) => {
      const { value, token } = await follow(deps, callerOf(request), request.body);
      return reply.code(value.created ? 201 : 200).send(await settleWrite(deps, request, reply, token, { ...value }));
    },
  );

  app.delete(
    '/follow',
    { schema: { tags, operationId: 'unfollow', summary: 'Unfollow', security: bearer, body: FollowBody, response: { 204: z.null().describe('unfollowed'), ...errors(...WRITE_ERRORS, 404), ...consistencyTimeout }, querystring: WriteQuery } },
    async (request, reply) => {
      const { token } = await unfollow(deps, callerOf(request), request.body);
      return reply.code(204).send(await settleWrite(deps, request, reply, token, null));
    },
  );

  app.get(
    '/relationships',
    // The names come from the graph projection of the users table.
    {
      schema: {
        tags,
        operationId: 'listRelationships', security: noSession, summary: 'Follows with names, by follower then followee (only one user\'s with userId), a page at most (LIST_LIMIT, default 1,000); Link (rel="next") to the rest',
        querystring: RelationshipsPageQuery.extend(ReadQuery.shape),
        response: { 200: z.array(Relationship), ...errors(400, 503), ...consistencyTimeout },
      },
      config: { readsFrom: ['graph'] },
    },
    async (request, reply) => {
      const limit = request.query.limit ?? deps.config.LIST_LIMIT;
      const { after, userId } = request.query;
      const page = await bounded(limit, (n) => listRelationships(deps, { after, limit: n, userId }));
      const last = page.items.at(-1);
      if (page.more && last) linkNext(request, reply, '/relationships', { after: `${last.followerId}:${last.followeeId}`, limit, userId });
      return page.items;
    },
  );
}
