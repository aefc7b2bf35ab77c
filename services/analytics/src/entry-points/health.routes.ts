// GET /health: 200 when TimescaleDB answers and the projection runs, else 503;
// the body says which part is wrong and how far behind the projection is.
import { z } from 'zod';
import { PROJECTION_OFF as OFF, ProjectionHealth, TracingHealth } from '@polyglot/contracts/health';
import { tracingHealth } from '@polyglot/platform/tracing';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { SupervisedConsumer } from '@polyglot/platform/consumer';

export const AnalyticsHealth = z.object({
  status: z.enum(['ok', 'degraded']),
  checks: z.object({ timescaledb: z.enum(['ok', 'unavailable']) }),
  projection: ProjectionHealth,
  tracing: TracingHealth,
  // Present when degraded, so a 503 still carries the usual {error, code}.
  error: z.string().optional(),
  code: z.string().optional(),
});
export type AnalyticsHealth = z.infer<typeof AnalyticsHealth>;


/** The store a health check asks: its name, for the message, and a ping (app.ts builds it). */
export interface StoreProbe {
  name: string;
  ping(): Promise<void>;
}

export function healthRoutes(app: HttpApp, store: StoreProbe, projection: SupervisedConsumer | undefined): void {
  app.get(
    '/health',
    { schema: { summary: 'TimescaleDB reachability and the analytics projection’s progress', response: { 200: AnalyticsHealth, 503: AnalyticsHealth } } },
    async (_request, reply) => {
      const [answer, status] = await Promise.all([
        store.ping().then(
          () => 'ok' as const,
          () => 'unavailable' as const,
        ),
        projection ? projection.status() : OFF,
      ]);
      const body: AnalyticsHealth = { status: 'ok', checks: { timescaledb: answer }, projection: status, tracing: tracingHealth() };
      if (answer !== 'ok') Object.assign(body, { status: 'degraded', code: 'STORE_UNAVAILABLE', error: `${store.name} is unavailable; try again shortly` });
      else if (projection && !status.running) Object.assign(body, { status: 'degraded', code: 'STORE_UNAVAILABLE', error: 'the analytics projection is not consuming (is Kafka up?); it restarts on its own' });
      return reply.status(body.status === 'ok' ? 200 : 503).send(body);
    },
  );
}
