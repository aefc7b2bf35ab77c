import type { HttpApp } from '@polyglot/platform/http-app';
import type { OutboxRepository } from '../data-access/outbox.repository.ts';
import type { OutboxRelay } from '../domain/outbox-relay.ts';
import { RelayHealth } from './schemas.ts';

export function registerRelayHealthRoute(app: HttpApp, relay: OutboxRelay, outbox: OutboxRepository): void {
  app.get('/health', { schema: { response: { 200: RelayHealth, 503: RelayHealth } } }, async (request, reply) => {
    let backlog: number | null = null;
    try {
      backlog = await outbox.countBacklog();
    } catch (error) {
      request.log.warn({ err: error }, 'health: the posts store does not answer');
    }
    const { published, lastPublishedAt, tombstonesDeleted, failing, failingSince } = relay.stats;
    const healthy = backlog !== null && failing === null;
    return reply.code(healthy ? 200 : 503).send({ status: healthy ? 'ok' : 'degraded', backlog, published, lastPublishedAt, tombstonesDeleted, failing, failingSince });
  });
}
