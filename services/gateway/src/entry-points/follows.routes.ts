// /follow and /relationships: the social graph, kept by the graph service.
import { z } from 'zod';
import { Follow, FollowBody, Relationship } from '@polyglot/contracts/api';
import type { HttpApp } from '@polyglot/platform/http-app';
import { follow, listRelationships, unfollow } from '../domain/follows.use-case.ts';
import type { GatewayDeps } from '../domain/gateway-deps.ts';
import { callerOf, bearer, consistencyToken, errors, WRITE_ERRORS } from './route-helpers.ts';

const tags = ['follows'];

export function registerFollowRoutes(app: HttpApp, deps: GatewayDeps): void {
  app.post(
    '/follow',
    {
      schema: {
        tags,
        summary: 'Follow a user: 201 when new, 200 when it already existed',
        security: bearer,
        body: FollowBody,
        response: { 201: Follow, 200: Follow, ...errors(...WRITE_ERRORS, 404) },
      },
    },
    async (request, reply) => {
      const { value, position } = await follow(deps, callerOf(request), request.body);
      consistencyToken(reply, position);
      return reply.code(value.created ? 201 : 200).send(value);
    },
  );

  app.delete(
    '/follow',
    { schema: { tags, summary: 'Unfollow', security: bearer, body: FollowBody, response: { 204: z.null().describe('unfollowed'), ...errors(...WRITE_ERRORS, 404) } } },
    async (request, reply) => {
      const { position } = await unfollow(deps, callerOf(request), request.body);
      consistencyToken(reply, position);
      return reply.code(204).send(null);
    },
  );

  app.get('/relationships', { schema: { tags, summary: 'Every follow, with names', response: { 200: z.array(Relationship), ...errors(503) } } }, async () =>
    listRelationships(deps),
  );
}
