// What the dashboard and operators read: analytics, the cache, the pipeline,
// and the health of everything behind the gateway.
import { z } from 'zod';
import { Analytics, CacheStatus, DeadLetter, DeadLettersQuery, GatewayHealth } from '@polyglot/contracts/api';
import type { HttpApp } from '@polyglot/platform/http-app';
import { cacheStatus } from '../domain/cache-status.use-case.ts';
import { checkHealth } from '../domain/check-health.use-case.ts';
import type { GatewayDeps } from '../domain/gateway-deps.ts';
import { consistencyTimeout, ReadQuery } from './consistency.hooks.ts';
import { errors } from './route-helpers.ts';

const tags = ['operations'];

export function registerOperationsRoutes(app: HttpApp, deps: GatewayDeps): void {
  app.get(
    '/analytics',
    {
      schema: { tags, summary: 'Event series and totals from the time-series store', querystring: ReadQuery, response: { 200: Analytics, ...errors(400, 503), ...consistencyTimeout } },
      config: { readsFrom: ['analytics'] },
    },
    async () => deps.analytics.get(),
  );

  app.get('/cache-status', { schema: { tags, summary: "Redis's memory, keys and hit rate (connected: false when it is down)", response: { 200: CacheStatus } } }, async () =>
    cacheStatus(deps),
  );

  app.get(
    '/health',
    {
      schema: {
        tags,
        summary: 'Every service, relay, store and the CDC pipeline: 200 when all are up, else 503 with the same body',
        response: { 200: GatewayHealth, 503: GatewayHealth },
      },
    },
    async (_request, reply) => {
      const { healthy, report } = await checkHealth(deps);
      return reply.code(healthy ? 200 : 503).send(report);
    },
  );

  app.get(
    '/pipeline/dead-letters',
    {
      schema: { tags, summary: 'Messages the projections gave up on, newest first, with their errors', querystring: DeadLettersQuery, response: { 200: z.array(DeadLetter), ...errors(400, 503) } },
    },
    async (request) => deps.projectors.deadLetters(request.query.limit),
  );
}
