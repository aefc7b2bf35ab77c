import type { HttpApp } from '@polyglot/platform/http-app';
import { toErrorReply } from '@polyglot/platform/http-app';
import { z } from 'zod';
import { ProjectionHealth } from '@polyglot/contracts/health';

export const RelayHealth = z
  .object({
    running: z.boolean().describe('false when this process leaves its outbox to another (GRAPH_RELAY=off)'),
    backlog: z.number().int().nullable().describe('events waiting in the outbox; null when Neo4j does not answer'),
    published: z.number().int(),
    lastPublishedAt: z.string().nullable(),
    lastError: z.string().nullable().describe('why the last round failed (Kafka or Neo4j down); null when the last round worked'),
    deadLettered: z.number().int().describe('events that could never be produced: sent to pipeline.dead-letters and removed from the outbox'),
  })
  .describe('the outbox relay in this process, which publishes the follow events to graph.events; its troubles do not make the service degraded');
export type RelayHealth = z.infer<typeof RelayHealth>;

const GraphHealth = z.object({
  status: z.enum(['ok', 'degraded']).describe("the service and Neo4j; the relay's state is in relay"),
  checks: z.object({ neo4j: z.enum(['ok', 'unavailable']) }),
  projection: ProjectionHealth,
  relay: RelayHealth,
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
      if (ping === null) return reply.status(200).send({ status: 'ok', checks: { neo4j: 'ok' }, projection, relay });
      const { body } = toErrorReply(ping, deps.store);
      request.log.warn({ err: ping }, 'health: Neo4j check failed');
      return reply.status(503).send({ status: 'degraded', checks: { neo4j: 'unavailable' }, projection, relay, error: body.error, code: body.code });
    },
  );
}
