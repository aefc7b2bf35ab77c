// Internal endpoints for the gateway's reconciler (not exposed publicly): the
// cached profiles, and the repairs of stale ones. Only this service writes the
// profile cache from the pipeline, so it is the one that repairs it.
import { ErrorBody } from '@polyglot/contracts/api';
import { CacheListing, CacheRepair, CacheRepairResult, REPAIR_BODY_LIMIT } from '@polyglot/contracts/reconcile';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { ProfileAuditRepository } from '../data-access/profile-audit.repository.ts';

export function reconcileRoutes(app: HttpApp, store: ProfileAuditRepository): void {
  app.get(
    '/internal/reconcile',
    { schema: { summary: 'Every cached user:{id} profile: id, name, email, position and a digest of the entry', response: { 200: CacheListing, 503: ErrorBody } } },
    () => store.listing(),
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
