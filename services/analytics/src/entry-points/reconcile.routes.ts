// Internal endpoints for the gateway's reconciler (not exposed publicly): what
// the events record about each user, post and follow, and the repair that
// appends missing lifecycle rows. Only this service opens TimescaleDB.
import { ErrorBody } from '@polyglot/contracts/api';
import { AnalyticsListing, AnalyticsRepair, AnalyticsRepairResult, REPAIR_BODY_LIMIT } from '@polyglot/contracts/reconcile';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { ReconcileRepository } from '../data-access/reconcile.repository.ts';

export function reconcileRoutes(app: HttpApp, store: ReconcileRepository): void {
  app.get(
    '/internal/reconcile',
    {
      schema: {
        summary: 'Per user: a USER_CREATED row?, the latest USER_* event; per post: POST_CREATED / POST_DELETED rows?; per follow pair: the latest FOLLOW_* event',
        response: { 200: AnalyticsListing, 503: ErrorBody },
      },
    },
    () => store.listing(),
  );

  app.post(
    '/internal/reconcile/repair',
    {
      bodyLimit: REPAIR_BODY_LIMIT,
      schema: {
        summary: 'Append the missing lifecycle rows (marked reconciled, idempotent); remove POST_DELETED rows of live posts',
        body: AnalyticsRepair,
        response: { 200: AnalyticsRepairResult, 400: ErrorBody, 413: ErrorBody, 503: ErrorBody },
      },
    },
    (request) => store.repair(request.body),
  );
}
