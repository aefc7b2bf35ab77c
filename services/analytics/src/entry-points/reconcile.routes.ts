// Internal endpoints for the gateway's reconciler (not exposed publicly): what
// the events record about each user, post and follow, and the repair that
// appends missing lifecycle rows. Only this service opens TimescaleDB.
import { ErrorBody } from '@polyglot/contracts/api';
import { AnalyticsListing, AnalyticsPage, AnalyticsRepair, AnalyticsRepairResult, ReconcilePageParams, ReconcilePageQuery, ReconcileScope, ReconcileTotals, REPAIR_BODY_LIMIT } from '@polyglot/contracts/reconcile';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { ReconcileRepository } from '../data-access/reconcile.repository.ts';

export function reconcileRoutes(app: HttpApp, store: ReconcileRepository): void {
  app.get(
    '/internal/reconcile/page/:kind',
    { schema: { summary: 'One kind (users, posts or follows) in entity order, a page after `after` (the full check)', params: ReconcilePageParams, querystring: ReconcilePageQuery, response: { 200: AnalyticsPage, 400: ErrorBody, 503: ErrorBody } } },
    (request) => store.page(request.params.kind, request.query.after, request.query.limit),
  );

  app.get('/internal/reconcile/totals', { schema: { summary: 'Live users and posts, and follows whose latest event is FOLLOW_CREATED', response: { 200: ReconcileTotals, 503: ErrorBody } } }, () => store.totals());

  app.post(
    '/internal/reconcile/scope',
    {
      bodyLimit: REPAIR_BODY_LIMIT,
      schema: { summary: 'Per user: a USER_CREATED row?, the latest USER_* event; per post: POST_CREATED / POST_DELETED rows?; per follow pair: the latest FOLLOW_* event; for the given ones', body: ReconcileScope, response: { 200: AnalyticsListing, 400: ErrorBody, 413: ErrorBody, 503: ErrorBody } },
    },
    (request) => store.listing(request.body),
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
