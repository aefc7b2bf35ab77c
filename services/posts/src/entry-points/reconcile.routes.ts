// Internal endpoint for the gateway's reconciler (not exposed publicly): the
// live posts, the source of truth the graph and analytics are compared with.
import { ErrorBody } from '@polyglot/contracts/api';
import { PostsListing } from '@polyglot/contracts/reconcile';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { LivePostsReader } from '../data-access/live-posts.reader.ts';

export function registerReconcileRoutes(app: HttpApp, reader: LivePostsReader): void {
  app.get(
    '/internal/reconcile',
    { schema: { summary: 'Every live post: id, author and creation time', response: { 200: PostsListing, 503: ErrorBody } } },
    () => reader.listing(),
  );
}
