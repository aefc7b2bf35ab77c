// /posts/:id/comments: comments live inside the posts service; the gateway
// checks that the commenter is a user.
import { z } from 'zod';
import { Comment, CommentIdParam, CreateCommentBody, PostIdParam } from '@polyglot/contracts/api';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { GatewayDeps } from '../domain/gateway-deps.ts';
import { addComment, deleteComment } from '../domain/post-writes.use-case.ts';
import { consistencyTimeout, settleWrite, withConsistency, WriteQuery } from './consistency.hooks.ts';
import { callerOf, bearer, errors, WRITE_ERRORS, noSession } from './route-helpers.ts';

const tags = ['comments'];

export function registerCommentRoutes(app: HttpApp, deps: GatewayDeps): void {
  app.get(
    '/posts/:id/comments',
    { schema: { tags, operationId: 'listComments', security: noSession, summary: "A post's comments", params: PostIdParam, response: { 200: z.array(Comment), ...errors(400, 404, 503) } } },
    async (request) => deps.posts.comments(request.params.id),
  );

  app.post(
    '/posts/:id/comments',
    {
      schema: { tags, operationId: 'addComment', summary: 'Comment on a post; author_id must be a user', security: bearer, params: PostIdParam, body: CreateCommentBody, response: { 201: withConsistency(Comment), ...errors(...WRITE_ERRORS, 404), ...consistencyTimeout }, querystring: WriteQuery },
    },
    async (request, reply) => {
      const { value, token } = await addComment(deps, callerOf(request), request.params.id, request.body);
      return reply.code(201).send(await settleWrite(deps, request, reply, token, value));
    },
  );

  app.delete(
    '/posts/:id/comments/:commentId',
    {
      schema: {
        tags,
        operationId: 'deleteComment', summary: "Delete a comment (with AUTH_REQUIRED: the comment's or the post's author)",
        security: bearer,
        params: CommentIdParam,
        response: { 204: z.null().describe('deleted'), ...errors(...WRITE_ERRORS, 404), ...consistencyTimeout }, querystring: WriteQuery,
      },
    },
    async (request, reply) => {
      const { token } = await deleteComment(deps, callerOf(request), request.params.id, request.params.commentId);
      return reply.code(204).send(await settleWrite(deps, request, reply, token, null));
    },
  );
}
