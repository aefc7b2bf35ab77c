// Internal endpoints for the gateway's reconciler (not exposed publicly): the
// cached profiles, and the repairs of stale ones. Only this service writes the
// profile cache from the pipeline, so it is the one that repairs it.
import { ErrorBody } from '@polyglot/contracts/api';
import { CacheListing, CachePage, CachePageParams, CacheRepair, CacheRepairResult, CacheTotals, ReconcilePageQuery, ReconcileScope, REPAIR_BODY_LIMIT } from '@polyglot/contracts/reconcile';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { ProfileAuditRepository } from '../data-access/profile-audit.repository.ts';

export function reconcileRoutes(app: HttpApp, store: ProfileAuditRepository): void {
  app.get(
    '/internal/reconcile/page/:kind',
    { schema: { summary: "Cached profiles (one SCAN step), the listing of live posts (BYLEX) or the authors' listings (a SCAN step's, by author), a page after `after` (the full check)", params: CachePageParams, querystring: ReconcilePageQuery, response: { 200: CachePage, 400: ErrorBody, 503: ErrorBody } } },
    (request) => store.page(request.params.kind, request.query.after, request.query.limit),
  );

  app.get('/internal/reconcile/totals', { schema: { summary: "Ids in the listing of live posts, and entries in all authors' listings", response: { 200: CacheTotals, 503: ErrorBody } } }, () => store.totals());

  app.post(
    '/internal/reconcile/scope',
    {
      bodyLimit: REPAIR_BODY_LIMIT,
      schema: { summary: 'The cached user:{id} profiles of the given users (name, email, position, a digest of the entry), and which listings hold the given posts', body: ReconcileScope, response: { 200: CacheListing, 400: ErrorBody, 413: ErrorBody, 503: ErrorBody } },
    },
    (request) => store.scoped(request.body),
  );

  app.post(
    '/internal/reconcile/repair',
    {
      bodyLimit: REPAIR_BODY_LIMIT,
      schema: {
        summary: 'Rewrite stale profiles from the users table and remove those of deleted users, each only if unchanged since listed',
        body: CacheRepair,
        response: { 200: CacheRepairResult, 400: ErrorBody, 413: ErrorBody, 503: ErrorBody },
      },
    },
    (request) => store.repair(request.body),
  );
}
