// GET /health: 200 when both Redis instances answer and both consumers run, else 503; the
// body says which part is wrong, how far behind the projection is, and how
// many dead letters the index holds.
import { z } from 'zod';
import { PROJECTION_OFF as OFF, ProjectionHealth, TracingHealth } from '@polyglot/contracts/health';
import { tracingHealth } from '@polyglot/platform/tracing';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { SupervisedConsumer } from '@polyglot/platform/consumer';
import type { CacheRepository } from '../data-access/cache.repository.ts';
import type { DeadLetterIndex } from '../domain/dead-letter-index.ts';

export const ProjectorsHealth = z.object({
  status: z.enum(['ok', 'degraded']),
  checks: z.object({
    redis: z.enum(['ok', 'unavailable']).describe('the cache instance (profiles)'),
    redisState: z.enum(['ok', 'unavailable']).describe('the state instance (tombstones, generations)'),
  }),
  projection: ProjectionHealth,
  tracing: TracingHealth,
  deadLetters: z.number().int().describe('records held by the dead-letter index'),
  // Present when degraded, so a 503 still carries the usual {error, code}.
  error: z.string().optional(),
  code: z.string().optional(),
});
export type ProjectorsHealth = z.infer<typeof ProjectorsHealth>;


export interface HealthParts {
  cache: CacheRepository;
  /** The two Redis instances' names, for the message when one does not answer. */
  storeNames: { cache: string; state: string };
  index: DeadLetterIndex;
  projection: SupervisedConsumer | undefined;
  deadLetterReader: SupervisedConsumer | undefined;
}

export function healthRoutes(app: HttpApp, parts: HealthParts): void {
  app.get(
    '/health',
    { schema: { summary: 'Redis reachability, the cache projection’s progress and the dead-letter index', response: { 200: ProjectorsHealth, 503: ProjectorsHealth } } },
    async (_request, reply) => {
      const answers = (ping: Promise<void>) =>
        ping.then(
          () => 'ok' as const,
          () => 'unavailable' as const,
        );
      const [redis, redisState, projection] = await Promise.all([answers(parts.cache.ping()), answers(parts.cache.pingState()), parts.projection ? parts.projection.status() : OFF]);
      const body: ProjectorsHealth = { status: 'ok', checks: { redis, redisState }, projection, deadLetters: parts.index.size, tracing: tracingHealth() };
      const degraded = (error: string) => Object.assign(body, { status: 'degraded', code: 'STORE_UNAVAILABLE', error });
      if (redis !== 'ok') degraded(`${parts.storeNames.cache} is unavailable; try again shortly`);
      else if (redisState !== 'ok') degraded(`${parts.storeNames.state} is unavailable; try again shortly`);
      else if (parts.projection && !projection.running) degraded('the cache projection is not consuming (is Kafka up?); it restarts on its own');
      else if (parts.deadLetterReader && !parts.deadLetterReader.running) degraded('the dead-letter index is not reading (is Kafka up?); it restarts on its own');
      return reply.status(body.status === 'ok' ? 200 : 503).send(body);
    },
  );
}
