// Endpoints for the platform itself, not for clients (the gateway does not expose them).
import { UserIdParam } from '@polyglot/contracts/api';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { PostRepository } from '../data-access/post.repository.ts';
import { deleteAuthorPosts } from '../domain/delete-author-posts.use-case.ts';
import { BulkPostsBody, BulkPostsResult } from '@polyglot/contracts/seed';
import { bulkInsertPosts } from '../domain/bulk-insert-posts.use-case.ts';
import { findListedPosts } from '../domain/find-listed-posts.use-case.ts';
import { contextOf } from './posts.routes.ts';
import { DeletedCount, errorResponses, ListedPosts, PostIdsQuery } from './schemas.ts';

export function registerInternalRoutes(app: HttpApp, posts: PostRepository): void {
  // Lists are served from the listings the cache projection keeps; this answers the posts a page misses in the cache.
  app.get('/internal/posts', { schema: { querystring: PostIdsQuery, response: { 200: ListedPosts, ...errorResponses } } }, async (request) => {
    return findListedPosts(posts, request.query.ids);
  });

  // The seed's bulk path (./stackctl seed). A batch of 5,000 posts is a few MiB of JSON.
  app.post('/internal/posts/bulk', { bodyLimit: 16 * 1024 * 1024, schema: { body: BulkPostsBody, response: { 200: BulkPostsResult, ...errorResponses } } }, async (request) => {
    return bulkInsertPosts(posts, request.body);
  });

  app.post('/internal/authors/:id/delete-posts', { schema: { params: UserIdParam, response: { 200: DeletedCount, ...errorResponses } } }, async (request) => {
    return { deleted: await deleteAuthorPosts(posts, request.params.id, contextOf()) };
  });
}
