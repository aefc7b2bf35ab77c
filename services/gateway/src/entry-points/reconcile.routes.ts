// GET /reconcile and POST /reconcile/repair: the consistency lab's reconciler.
import { ReconcileProgress, ReconcileQuery, ReconcileReport, RepairReport } from '@polyglot/contracts/reconcile';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { GatewayDeps } from '../domain/gateway-deps.ts';
import { reconcile, repair, type ReconcileDeps } from '../domain/reconcile.use-case.ts';
import { adminOnly } from './admin.hook.ts';
import { bearer, errors } from './route-helpers.ts';

const tags = ['reconcile'];

/** reconcileDeps: the one set app.ts builds, which GraphQL shares. */
export function registerReconcileRoutes(app: HttpApp, deps: GatewayDeps, reconcileDeps: ReconcileDeps): void {
  // An operator's tool: with AUTH_REQUIRED on, both need an admin session (the report names every entity).
  const admin = adminOnly(app, deps);

  app.get(
    '/reconcile',
    {
      onRequest: admin,
      schema: {
        tags,
        operationId: 'findDrift', summary: 'Compare every store with its source of truth and report each drift with its id',
        description:
          'Users (PostgreSQL) against :User nodes (Neo4j), cached profiles (Redis) and USER_* events (TimescaleDB); live posts (document store) against POSTED edges and POST_CREATED / POST_DELETED events; FOLLOWS edges (Neo4j) against FOLLOW_* events. A missing cached profile is a cache miss, not drift. Drift seen on a first look is compared again once the pipeline has settled (lag 0, or about 2 s): only what persists is reported. scope=changes compares only the entities changed since the last such check (the change journal the cache projection keeps, by source position), each store asked about those ids only.',
        security: bearer,
        querystring: ReconcileQuery,
        response: { 200: ReconcileReport, ...errors(400, 401, 403, 503) },
      },
    },
    async (request) => reconcile(reconcileDeps, { scope: request.query.scope }),
  );

  app.get(
    '/reconcile/progress',
    { onRequest: admin, schema: { tags, operationId: 'getReconcileProgress', summary: 'Where the running check is: its phase, the entities compared per kind and the rate; running is null when none runs', security: bearer, response: { 200: ReconcileProgress, ...errors(401, 403) } } },
    async () => ({ running: reconcileDeps.progress.current }),
  );

  app.post(
    '/reconcile/repair',
    {
      onRequest: admin,
      schema: {
        tags,
        operationId: 'repairDrift', summary: 'Repair the drift from each source of truth, then report what was fixed and a fresh comparison',
        description:
          "Each store is repaired by the service that owns it: Neo4j nodes and POSTED edges restored or removed (a removed user's follows are announced as FOLLOW_DELETED); stale cached profiles rewritten, those of deleted users removed; missing lifecycle events appended to TimescaleDB, marked properties.reconciled, with deterministic keys (repeating a repair adds nothing); live posts of deleted users removed through the posts service's cascade.",
        security: bearer,
        querystring: ReconcileQuery,
        response: { 200: RepairReport, ...errors(400, 401, 403, 503) },
      },
    },
    async (request) => repair(reconcileDeps, { scope: request.query.scope }),
  );
}
