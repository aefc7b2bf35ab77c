// What the dashboard and operators read: analytics, the cache, the pipeline,
// and the health of everything behind the gateway.
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Analytics, CacheStatus, DeadLetterEntry, DeadLetterReplayRequest, DeadLetterReplayResult, DeadLettersQuery, GatewayHealth } from '@polyglot/contracts/api';
import type { HttpApp } from '@polyglot/platform/http-app';
import { cacheStatus } from '../domain/cache-status.use-case.ts';
import type { GatewayDeps } from '../domain/gateway-deps.ts';
import { analyticsFor, viewerOf } from '../domain/privacy.ts';
import { consistencyTimeout, ReadQuery } from './consistency.hooks.ts';
import { adminOnly } from './admin.hook.ts';
import { sessionOnly } from './session.hook.ts';
import { bearer, errors, noSession, sessionOptional } from './route-helpers.ts';

const tags = ['operations'];

/**
 * Without a consistency token: the report every caller shares for about a second (full-table counts must not
 * run once per request). With one (query or header): read after the wait, as read-your-writes promises.
 */
function analyticsOf(deps: GatewayDeps, request: FastifyRequest): Promise<Analytics> {
  const token = (request.query as { token?: string } | undefined)?.token ?? request.headers['x-consistency-token'];
  return token === undefined ? deps.recentAnalytics.get() : deps.analytics.get();
}

export function registerOperationsRoutes(app: HttpApp, deps: GatewayDeps): void {
  app.get(
    '/analytics',
    {
      schema: { tags, operationId: 'getAnalytics', security: sessionOptional, summary: 'Event series and totals from the time-series store', querystring: ReadQuery, response: { 200: Analytics, ...errors(400, 503), ...consistencyTimeout } },
      config: { readsFrom: ['analytics'] },
    },
    // Events about users carry their profile: with AUTH_REQUIRED on, the email only for its owner.
    async (request) => analyticsFor(await viewerOf(deps, request.headers.authorization), await analyticsOf(deps, request)),
  );

  app.get('/cache-status', { schema: { tags, operationId: 'getCacheStatus', security: noSession, summary: "Redis's memory, keys and hit rate (connected: false when it is down)", response: { 200: CacheStatus } } }, async () =>
    cacheStatus(deps),
  );

  app.get(
    '/health',
    {
      schema: {
        tags,
        operationId: 'getHealth', security: noSession, summary: 'Every service (the graph service with its outbox relay), every store and the CDC connectors: 200 when all are up, else 503 with the same body',
        response: { 200: GatewayHealth, 503: GatewayHealth },
      },
    },
    // The shared report (health-feed.ts): a flood of requests costs one round of probes a second.
    async (_request, reply) => {
      const { healthy, report } = await deps.health.current();
      return reply.code(healthy ? 200 : 503).send(report);
    },
  );

  app.get(
    '/pipeline/dead-letters',
    {
      // The letters are whole messages (emails included): with AUTH_REQUIRED on, only for a session.
      onRequest: sessionOnly(deps),
      schema: {
        tags,
        operationId: 'listDeadLetters', summary: 'Messages the projections gave up on (and events a relay could not produce), newest first, with their errors',
        description: 'A replayed letter stays listed (with replayedAt) until the group that failed it has applied the replay, then leaves the list.',
        security: bearer,
        querystring: DeadLettersQuery,
        response: { 200: z.array(DeadLetterEntry), ...errors(400, 401, 503) },
      },
    },
    async (request) => deps.projectors.deadLetters(request.query.limit),
  );

  app.post(
    '/pipeline/dead-letters/replay',
    {
      onRequest: adminOnly(app, deps),
      schema: {
        tags,
        operationId: 'replayDeadLetters', summary: 'Replay one dead letter ({id}) or all of them ({all: true}): each goes back to its topic and partition for the group that failed it',
        description:
          'Idempotent: a letter whose replay is under way is not published again (listed under pending), and every projection applies a change once (by eventId or position). A letter leaves GET /pipeline/dead-letters once its group has applied the replay; a replay that fails again becomes a new letter in its place.',
        security: bearer,
        body: DeadLetterReplayRequest,
        response: { 200: DeadLetterReplayResult, ...errors(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => deps.projectors.replayDeadLetters(request.body),
  );
}
