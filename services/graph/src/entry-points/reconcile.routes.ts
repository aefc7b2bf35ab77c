// Internal endpoints for the gateway's reconciler (not exposed publicly): a
// listing of what the graph holds, and the repairs it asks for. Only this
// service opens Neo4j ("one owner per store").
import { ErrorBody } from '@polyglot/contracts/api';
import { GraphListing, GraphRepair, GraphRepairResult, REPAIR_BODY_LIMIT } from '@polyglot/contracts/reconcile';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { ReconcileRepository } from '../data-access/reconcile.repository.ts';
import type { OutboxWritten } from '../domain/follow-events.ts';

export function registerReconcileRoutes(app: HttpApp, store: ReconcileRepository, outboxWritten: OutboxWritten): void {
  app.get(
    '/internal/reconcile',
    { schema: { summary: 'Every :User (id, name), :Post with its POSTED authors, and FOLLOWS edge', response: { 200: GraphListing, 503: ErrorBody } } },
    () => store.listing(),
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
