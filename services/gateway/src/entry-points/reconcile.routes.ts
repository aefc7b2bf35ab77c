// GET /reconcile and POST /reconcile/repair: the consistency lab's reconciler.
import { ReconcileReport, RepairReport } from '@polyglot/contracts/reconcile';
import type { HttpApp } from '@polyglot/platform/http-app';
import { createReconcileClient } from '../data-access/reconcile.client.ts';
import { checkHealth } from '../domain/check-health.use-case.ts';
import type { GatewayDeps } from '../domain/gateway-deps.ts';
import { reconcile, repair, type ReconcileDeps } from '../domain/reconcile.use-case.ts';
import { adminOnly } from './admin.hook.ts';
import { bearer, errors } from './route-helpers.ts';

const tags = ['reconcile'];

/** Nothing in flight: every projection's lag and every relay's backlog is 0 (a component that does not answer is not settled). */
export function pipelineSettled(pipeline: { projections: Record<string, unknown>; relays: Record<string, unknown> }): boolean {
  const lags = Object.values(pipeline.projections).map((p) => (p as { lag?: unknown } | null)?.lag);
  const backlogs = Object.values(pipeline.relays).map((r) => (typeof r === 'number' ? r : (r as { backlog?: unknown } | null)?.backlog));
  return lags.length > 0 && [...lags, ...backlogs].every((n) => n === 0);
}

export function registerReconcileRoutes(app: HttpApp, deps: GatewayDeps): void {
  const reconcileDeps: ReconcileDeps = {
    reconcile: createReconcileClient(deps.config),
    pipeline: { settled: async () => pipelineSettled((await checkHealth(deps)).report.pipeline) },
    logger: deps.logger,
  };
  // An operator's tool: with AUTH_REQUIRED on, both need an admin session (the report names every entity).
  const admin = adminOnly(app, deps);

  app.get(
    '/reconcile',
    {
      onRequest: admin,
      schema: {
        tags,
        summary: 'Compare every store with its source of truth and report each drift with its id',
        description:
          'Users (PostgreSQL) against :User nodes (Neo4j), cached profiles (Redis) and USER_* events (TimescaleDB); live posts (document store) against POSTED edges and POST_CREATED / POST_DELETED events; FOLLOWS edges (Neo4j) against FOLLOW_* events. A missing cached profile is a cache miss, not drift. Drift seen on a first look is compared again once the pipeline has settled (lag 0, or about 2 s): only what persists is reported.',
        security: bearer,
        response: { 200: ReconcileReport, ...errors(401, 403, 503) },
      },
    },
    async () => reconcile(reconcileDeps),
  );

  app.post(
    '/reconcile/repair',
    {
      onRequest: admin,
      schema: {
        tags,
        summary: 'Repair the drift from each source of truth, then report what was fixed and a fresh comparison',
        description:
          "Each store is repaired by the service that owns it: Neo4j nodes and POSTED edges restored or removed (a removed user's follows are announced as FOLLOW_DELETED); stale cached profiles rewritten, those of deleted users removed; missing lifecycle events appended to TimescaleDB, marked properties.reconciled, with deterministic keys (repeating a repair adds nothing); live posts of deleted users removed through the posts service's cascade.",
        security: bearer,
        response: { 200: RepairReport, ...errors(401, 403, 503) },
      },
    },
    async () => repair(reconcileDeps),
  );
}
