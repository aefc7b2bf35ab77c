import { TracingHealth } from '@polyglot/contracts/health';
import { tracingHealth } from '@polyglot/platform/tracing';
import { z } from 'zod';
import type { HttpApp } from '@polyglot/platform/http-app';
import { checkHealth } from '../domain/check-health.use-case.ts';
import type { UsersDeps } from '../domain/users-deps.ts';

const HealthBody = z.object({
  status: z.enum(['ok', 'degraded']),
  checks: z.object({ postgres: z.string().describe("'up' or 'down: <reason>'") }),
  hashing: z
    .object({
      hashes: z.number().int().describe('passwords hashed since the service started (sign-ups, password changes)'),
      verifications: z.number().int().describe('passwords checked since the service started (logins)'),
      cpuMs: z.number().nullable().describe('CPU time of the threads that run Argon2id since the service started, in 10 ms steps; null where /proc cannot be read'),
    })
    .describe('what password hashing has cost: benchmarks count it apart from the rest of a write'),
  tracing: TracingHealth,
});

export function registerHealthRoutes(app: HttpApp, deps: UsersDeps): void {
  app.get('/health', {
    schema: {
      summary: 'Whether the users database answers',
      response: { 200: HealthBody, 503: HealthBody },
    },
    handler: async (_request, reply) => {
      const health = await checkHealth(deps);
      return reply.status(health.status === 'ok' ? 200 : 503).send({ ...health, tracing: tracingHealth() });
    },
  });
}
