import { z } from 'zod';
import type { HttpApp } from '@polyglot/platform/http-app';
import { checkHealth } from '../domain/check-health.use-case.ts';
import type { UsersDeps } from '../domain/users-deps.ts';

const HealthBody = z.object({
  status: z.enum(['ok', 'degraded']),
  checks: z.object({ postgres: z.string().describe("'up' or 'down: <reason>'") }),
});

export function registerHealthRoutes(app: HttpApp, deps: UsersDeps): void {
  app.get('/health', {
    schema: {
      summary: 'Whether the users database answers',
      response: { 200: HealthBody, 503: HealthBody },
    },
    handler: async (_request, reply) => {
      const health = await checkHealth(deps);
      return reply.status(health.status === 'ok' ? 200 : 503).send(health);
    },
  });
}
