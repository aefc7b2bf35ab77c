// /posts: posts from the document store with their authors from the profile
// cache; writes go to the posts service after the gateway's checks.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CreatePostBody, LikeBody, ListPostsQuery, Post, PostIdParam, UpdatePostBody } from '@polyglot/contracts/api';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { GatewayDeps } from '../domain/gateway-deps.ts';
import { getPost } from '../domain/get-post.use-case.ts';
import { listPosts, type PostsPage } from '../domain/list-posts.use-case.ts';
import { postsFor, viewerOf } from '../domain/privacy.ts';
import { createPost, deletePost, likePost, updatePost } from '../domain/post-writes.use-case.ts';
import { carriesToken, consistencyTimeout, ReadQuery, settleWrite, withConsistency, WriteQuery } from './consistency.hooks.ts';
import { callerOf, bearer, errors, linkNext, WRITE_ERRORS, sessionOptional } from './route-helpers.ts';
import { serializedOnce } from './serialized-once.ts';

const tags = ['posts'];

/** X-Total-Count, and Link to the next (older) page when there is one. */
export function pagingHeaders(request: FastifyRequest, reply: FastifyReply, page: PostsPage, path: string, limit: number): void {
  reply.header('x-total-count', String(page.total));
  const last = page.items.at(-1);
  if (page.hasMore && last) linkNext(request, reply, path, { before: last._id, limit });
}

export function registerPostRoutes(app: HttpApp, deps: GatewayDeps): void {
  const sendPosts = serializedOnce(z.array(Post), '/posts');
  app.get(
    '/posts',
    {
      schema: {
        tags,
        operationId: 'listPosts', security: sessionOptional, summary: 'Newest posts first, with authors; X-Total-Count and Link (rel="next") headers page through them',
        querystring: ListPostsQuery.extend(ReadQuery.shape),
        response: { 200: z.array(Post), ...errors(400, 503), ...consistencyTimeout },
      },
      // The authors come from the profile cache and whole pages are cached: with a token, wait for the cache projection.
      config: { readsFrom: ['cache'] },
    },
    async (request, reply) => {
      const page = await listPosts(deps, request.query, { stale: !carriesToken(request) });
      pagingHeaders(request, reply, page, '/posts', request.query.limit);
      // With AUTH_REQUIRED on, authors' emails only to themselves: a copy per reader, serialised per request.
      const viewer = await viewerOf(deps, request.headers.authorization);
      return viewer === null ? sendPosts(reply, page.items) : postsFor(viewer, page.items);
    },
  );

  app.post(
    '/posts',
    { schema: { tags, operationId: 'createPost', summary: 'Create a post; author_id must be a user', security: bearer, body: CreatePostBody, response: { 201: withConsistency(Post), ...errors(...WRITE_ERRORS, 404), ...consistencyTimeout }, querystring: WriteQuery } },
    async (request, reply) => {
      const { value, token } = await createPost(deps, callerOf(request), request.body);
      return reply.code(201).send(await settleWrite(deps, request, reply, token, value));
    },
  );

  app.get('/posts/:id', { schema: { tags, operationId: 'getPost', security: sessionOptional, summary: 'One post with its author', params: PostIdParam, querystring: ReadQuery, response: { 200: Post, ...errors(400, 404, 503), ...consistencyTimeout } }, config: { readsFrom: ['cache'] } }, async (request) => {
    const post = await getPost(deps, request.params.id);
    return postsFor(await viewerOf(deps, request.headers.authorization), [post])[0]!;
  });

  app.put(
    '/posts/:id',
    {
      schema: { tags, operationId: 'updatePost', summary: "Change a post (with AUTH_REQUIRED: only the author's)", security: bearer, params: PostIdParam, body: UpdatePostBody, response: { 200: withConsistency(Post), ...errors(...WRITE_ERRORS, 404), ...consistencyTimeout }, querystring: WriteQuery },
    },
    async (request, reply) => {
      const { value, token } = await updatePost(deps, callerOf(request), request.params.id, request.body);
      return settleWrite(deps, request, reply, token, value);
    },
  );

  app.delete(
    '/posts/:id',
    {
      schema: { tags, operationId: 'deletePost', summary: "Delete a post (with AUTH_REQUIRED: only the author's)", security: bearer, params: PostIdParam, response: { 204: z.null().describe('deleted'), ...errors(...WRITE_ERRORS, 404), ...consistencyTimeout }, querystring: WriteQuery },
    },
    async (request, reply) => {
      const { token } = await deletePost(deps, callerOf(request), request.params.id);
      return reply.code(204).send(await settleWrite(deps, request, reply, token, null));
    },
  );

  app.post(
    '/posts/:id/like',
    {
      schema: { tags, operationId: 'likePost', summary: 'Like a post (optionally naming the liker)', security: bearer, params: PostIdParam, body: LikeBody, response: { 200: withConsistency(Post), ...errors(...WRITE_ERRORS, 404), ...consistencyTimeout }, querystring: WriteQuery },
      // Fastify validates a missing body as null, which LikeBody (an optional object) refuses: no body means {}.
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
    },
    async (request, reply) => {
      const { value, token } = await likePost(deps, callerOf(request), request.params.id, request.body?.userId);
      return settleWrite(deps, request, reply, token, value);
    },
  );
}
