// /users/:id/feed: posts of the people a user follows.
import { z } from 'zod';
import { FeedQuery, Post, UserIdParam } from '@polyglot/contracts/api';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { GatewayDeps } from '../domain/gateway-deps.ts';
import { getFeed } from '../domain/get-feed.use-case.ts';
import { postsFor, viewerOf } from '../domain/privacy.ts';
import { carriesToken, consistencyTimeout, ReadQuery } from './consistency.hooks.ts';
import { errors, sessionOptional } from './route-helpers.ts';
import { serializedOnce } from './serialized-once.ts';

export function registerFeedRoutes(app: HttpApp, deps: GatewayDeps): void {
  const sendPosts = serializedOnce(z.array(Post), '/users/:id/feed');
  app.get(
    '/users/:id/feed',
    {
      schema: {
        tags: ['feed'],
        operationId: 'getFeed', security: sessionOptional, summary: 'Newest posts of the users this user follows, with authors (X-Total-Count header)',
        params: UserIdParam,
        querystring: FeedQuery.extend(ReadQuery.shape),
        response: { 200: z.array(Post), ...errors(400, 404, 503), ...consistencyTimeout },
      },
      // Feed pages are cached in Redis, invalidated by the cache projection.
      config: { readsFrom: ['cache'] },
    },
    async (request, reply) => {
      const page = await getFeed(deps, request.params.id, request.query.limit, { stale: !carriesToken(request) });
      reply.header('x-total-count', String(page.total));
      // With AUTH_REQUIRED on, authors' emails only to themselves.
      const viewer = await viewerOf(deps, request.headers.authorization);
      return viewer === null ? sendPosts(reply, page.items) : postsFor(viewer, page.items);
    },
  );
}
