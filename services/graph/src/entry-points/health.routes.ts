import type { HttpApp } from '@polyglot/platform/http-app';
import { toErrorReply } from '@polyglot/platform/http-app';
import { z } from 'zod';
import { ProjectionHealth, RelayHealth, TracingHealth } from '@polyglot/contracts/health';
import { tracingHealth } from '@polyglot/platform/tracing';

const GraphHealth = z.object({
  status: z.enum(['ok', 'degraded']).describe("the service and Neo4j; the relay's state is in relay"),
  checks: z.object({ neo4j: z.enum(['ok', 'unavailable']) }),
  projection: ProjectionHealth,
  relay: RelayHealth,
  tracing: TracingHealth,
  // Present when degraded, so a 503 still carries the usual {error, code}.
  error: z.string().optional(),
  code: z.string().optional(),
});

export interface HealthDeps {
  /** The store's name, for the message when its ping fails. */
  store: string;
  ping(): Promise<void>;
  projection(): Promise<ProjectionHealth>;
  relay(): Promise<RelayHealth>;
}

export function registerHealthRoutes(app: HttpApp, deps: HealthDeps): void {
  app.get(
    '/health',
    { schema: { summary: 'Neo4j reachability, the graph projection’s progress and the outbox relay’s backlog', response: { 200: GraphHealth, 503: GraphHealth } } },
    async (request, reply) => {
      const [ping, projection, relay] = await Promise.all([deps.ping().then(() => null, (error: unknown) => error), deps.projection(), deps.relay()]);
      if (ping === null) return reply.status(200).send({ status: 'ok', checks: { neo4j: 'ok' }, projection, relay, tracing: tracingHealth() });
      const { body } = toErrorReply(ping, deps.store);
      request.log.warn({ err: ping }, 'health: Neo4j check failed');
      return reply.status(503).send({ status: 'degraded', checks: { neo4j: 'unavailable' }, projection, relay, tracing: tracingHealth(), error: body.error, code: body.code });
    },
  );
}
