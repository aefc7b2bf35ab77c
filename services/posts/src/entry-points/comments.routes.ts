import { z } from 'zod';
import { Comment, CommentIdParam, CreateCommentBody, PostIdParam } from '@polyglot/contracts/api';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { PostRepository } from '../data-access/post.repository.ts';
import { createComment } from '../domain/create-comment.use-case.ts';
import { deleteComment } from '../domain/delete-comment.use-case.ts';
import { listComments } from '../domain/list-comments.use-case.ts';
import { contextOf, withChangeToken } from './posts.routes.ts';
import { errorResponses, NoContent } from './schemas.ts';

export function registerCommentRoutes(app: HttpApp, posts: PostRepository): void {
  app.get('/posts/:id/comments', { schema: { params: PostIdParam, response: { 200: z.array(Comment), ...errorResponses } } }, async (request) => {
    return listComments(posts, request.params.id);
  });

  app.post('/posts/:id/comments', { schema: { params: PostIdParam, body: CreateCommentBody, response: { 201: Comment, ...errorResponses } } }, async (request, reply) => {
    const context = contextOf();
    const comment = await createComment(posts, request.params.id, request.body, context);
    return withChangeToken(reply, context).code(201).send(comment);
  });

  app.delete('/posts/:id/comments/:commentId', { schema: { params: CommentIdParam, response: { 204: NoContent, ...errorResponses } } }, async (request, reply) => {
    const context = contextOf();
    await deleteComment(posts, request.params.id, request.params.commentId, context);
    return withChangeToken(reply, context).code(204).send(null);
  });
}
