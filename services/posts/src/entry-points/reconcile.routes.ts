// Internal endpoint for the gateway's reconciler (not exposed publicly): the
// live posts, the source of truth the graph and analytics are compared with.
import { ErrorBody } from '@polyglot/contracts/api';
import { ObjectId } from 'mongodb';
import { PostsListing, ReconcileScope, REPAIR_BODY_LIMIT } from '@polyglot/contracts/reconcile';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { LivePostsReader } from '../data-access/live-posts.reader.ts';

export function registerReconcileRoutes(app: HttpApp, reader: LivePostsReader): void {
  app.get('/internal/reconcile/stream', { schema: { summary: 'Every live post as JSON lines (id, authorId, createdAt), streamed (the full check)' } }, (_request, reply) =>
    reply.type('application/x-ndjson').send(reader.stream()),
  );

  app.post(
    '/internal/reconcile/scope',
    {
      bodyLimit: REPAIR_BODY_LIMIT,
      schema: { summary: 'The live posts among the scope’s posts (the incremental check)', body: ReconcileScope, response: { 200: PostsListing, 400: ErrorBody, 413: ErrorBody, 503: ErrorBody } },
    },
    (request) => reader.among(request.body.posts.map((p) => ObjectId.createFromHexString(p.id))),
  );
}
