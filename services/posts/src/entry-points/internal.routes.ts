// Endpoints for the platform itself, not for clients (the gateway does not expose them).
import { UserIdParam } from '@polyglot/contracts/api';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { PostRepository } from '../data-access/post.repository.ts';
import { deleteAuthorPosts } from '../domain/delete-author-posts.use-case.ts';
import { contextOf } from './posts.routes.ts';
import { DeletedCount, errorResponses } from './schemas.ts';

export function registerInternalRoutes(app: HttpApp, posts: PostRepository): void {
  app.post('/internal/authors/:id/delete-posts', { schema: { params: UserIdParam, response: { 200: DeletedCount, ...errorResponses } } }, async (request) => {
    return { deleted: await deleteAuthorPosts(posts, request.params.id, contextOf(request)) };
  });
}
