// Internal endpoints for the gateway's reconciler (not exposed publicly): a
// listing of what the graph holds, and the repairs it asks for. Only this
// service opens Neo4j ("one owner per store").
import { ErrorBody } from '@polyglot/contracts/api';
import { GraphPage, GraphListing, GraphRepair, GraphRepairResult, ReconcilePageParams, ReconcilePageQuery, ReconcileScope, ReconcileTotals, REPAIR_BODY_LIMIT } from '@polyglot/contracts/reconcile';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { ReconcileRepository } from '../data-access/reconcile.repository.ts';
import type { OutboxWritten } from '../data-access/follow-events.ts';

export function registerReconcileRoutes(app: HttpApp, store: ReconcileRepository, outboxWritten: OutboxWritten): void {
  app.get(
    '/internal/reconcile/page/:kind',
    { schema: { summary: 'One kind (users, posts or follows) in id order, a page after `after` (the full check)', params: ReconcilePageParams, querystring: ReconcilePageQuery, response: { 200: GraphPage, 400: ErrorBody, 503: ErrorBody } } },
    (request) => store.page(request.params.kind, request.query.after, request.query.limit),
  );

  app.get('/internal/reconcile/totals', { schema: { summary: ':User and :Post nodes, FOLLOWS edges', response: { 200: ReconcileTotals, 503: ErrorBody } } }, () => store.totals());

  app.post(
    '/internal/reconcile/scope',
    {
      bodyLimit: REPAIR_BODY_LIMIT,
      schema: { summary: 'The same listing, only for the given users, posts and follows (the incremental check)', body: ReconcileScope, response: { 200: GraphListing, 400: ErrorBody, 413: ErrorBody, 503: ErrorBody } },
    },
    (request) => store.listing(request.body),
  );

  app.post(
    '/internal/reconcile/repair',
    {
      bodyLimit: REPAIR_BODY_LIMIT,
      schema: {
        summary: 'Restore or remove :User nodes, remove :Post nodes, link posts to their authors; one transaction',
        body: GraphRepair,
        response: { 200: GraphRepairResult, 400: ErrorBody, 413: ErrorBody, 503: ErrorBody },
      },
    },
    async (request) => {
      const result = await store.repair(request.body);
      // A removed user's follows were announced in the outbox.
      if (result.followsAnnounced > 0) outboxWritten();
      return result;
    },
  );
}
