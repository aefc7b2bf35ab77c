// POST /internal/latency/reset: forget the measured commit → applied
// latencies, so a benchmark phase reports only its own changes.
import { z } from 'zod';
import type { HttpApp } from './http-app.ts';

export function registerLatencyResetRoute(app: HttpApp, reset: () => void): void {
  app.post(
    '/internal/latency/reset',
    { schema: { summary: 'Forget the projection latency measured so far (benchmarks call this between phases)', response: { 204: z.null() } } },
    async (_request, reply) => {
      reset();
      return reply.status(204).send(null);
    },
  );
}
