import type { FastifyReply } from 'fastify';
import { withConsistencyToken } from '@polyglot/platform/consistency-token';
import { CreatePostBody, LikeBody, Post, PostIdParam, UpdatePostBody } from '@polyglot/contracts/api';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { PostRepository } from '../data-access/post.repository.ts';
import { createPost } from '../domain/create-post.use-case.ts';
import { deletePost } from '../domain/delete-post.use-case.ts';
import { getPost } from '../domain/get-post.use-case.ts';
import { likePost } from '../domain/like-post.use-case.ts';
import type { ChangeContext } from '../domain/outbox-event.ts';
import { traceparentOf } from '@polyglot/platform/tracing';
import { updatePost } from '../domain/update-post.use-case.ts';
import { errorResponses, NoContent } from './schemas.ts';

/** The change carries the request's span (request-tracing.ts), which its capture and projections continue. */
export function contextOf(): ChangeContext {
  const traceparent = traceparentOf();
  return traceparent ? { traceparent } : {};
}

/** The consistency token of the change a request committed (posts:ID:VERSION). */
export function withChangeToken(reply: FastifyReply, context: ChangeContext): FastifyReply {
  const committed = context.committed;
  return withConsistencyToken(reply, committed ? { source: 'posts', entityId: committed.postId, position: committed.position } : null);
}

export function registerPostRoutes(app: HttpApp, posts: PostRepository): void {
  app.post('/posts', { schema: { body: CreatePostBody, response: { 201: Post, ...errorResponses } } }, async (request, reply) => {
    const context = contextOf();
    const post = await createPost(posts, request.body, context);
    return withChangeToken(reply, context).code(201).send(post);
  });

  app.get('/posts/:id', { schema: { params: PostIdParam, response: { 200: Post, ...errorResponses } } }, async (request) => {
    return getPost(posts, request.params.id);
  });

  app.put('/posts/:id', { schema: { params: PostIdParam, body: UpdatePostBody, response: { 200: Post, ...errorResponses } } }, async (request, reply) => {
    const context = contextOf();
    const post = await updatePost(posts, request.params.id, request.body, context);
    return withChangeToken(reply, context).send(post);
  });

  app.delete('/posts/:id', { schema: { params: PostIdParam, response: { 204: NoContent, ...errorResponses } } }, async (request, reply) => {
    const context = contextOf();
    await deletePost(posts, request.params.id, context);
    return withChangeToken(reply, context).code(204).send(null);
  });

  // Fastify hands a POST without a body to the validator as null, not undefined.
  app.post('/posts/:id/like', { schema: { params: PostIdParam, body: LikeBody.nullable(), response: { 200: Post, ...errorResponses } } }, async (request, reply) => {
    const context = contextOf();
    const post = await likePost(posts, request.params.id, request.body?.userId ?? null, context);
    return withChangeToken(reply, context).send(post);
  });
}
