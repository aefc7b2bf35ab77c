import type { HttpApp } from '@polyglot/platform/http-app';
import type { OutboxRepository } from '../data-access/outbox.repository.ts';
import type { OutboxRelay } from '../domain/outbox-relay.ts';
import { RelayHealth } from './schemas.ts';

// Health is asked often (the gateway, benchmarks) and the store may be busy: one count of the
// pending markers runs at a time, and its result serves for a second after it finished, so
// callers never pile counts onto a busy store.
const BACKLOG_TTL_MS = 1000;

export function registerRelayHealthRoute(app: HttpApp, relay: OutboxRelay, outbox: OutboxRepository): void {
  let cached: { done: number | null; backlog: Promise<number> } | undefined;
  app.get('/health', { schema: { response: { 200: RelayHealth, 503: RelayHealth } } }, async (request, reply) => {
    let backlog: number | null = null;
    try {
      if (!cached || (cached.done !== null && Date.now() - cached.done > BACKLOG_TTL_MS)) {
        const entry: { done: number | null; backlog: Promise<number> } = { done: null, backlog: outbox.countBacklog() };
        entry.backlog.then(
          () => (entry.done = Date.now()),
          () => (entry.done = 0),
        );
        cached = entry;
      }
      backlog = await cached.backlog;
    } catch (error) {
      cached = undefined;
      request.log.warn({ err: error }, 'health: the posts store does not answer');
    }
    const { published, lastPublishedAt, tombstonesDeleted, deadLettered, failing, failingSince } = relay.stats;
    const healthy = backlog !== null && failing === null;
    return reply.code(healthy ? 200 : 503).send({ status: healthy ? 'ok' : 'degraded', backlog, published, lastPublishedAt, tombstonesDeleted, deadLettered, failing, failingSince });
  });
}
