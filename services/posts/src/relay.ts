// The posts outbox relay process: publishes what the API appended to posts'
// outboxes, then clears it; /health reports the backlog.
import type { Logger } from 'pino';
import { z } from 'zod';
import { createHttpApp } from '@polyglot/platform/http-app';
import { createProducer } from '@polyglot/platform/kafka';
import { createLogger } from '@polyglot/platform/logger';
import type { RunningService } from './app.ts';
import type { RelayConfig } from './config.ts';
import { openPostsStore, POSTS_STORE_NAME } from './data-access/mongo-client.ts';
import { OutboxRepository } from './data-access/outbox.repository.ts';
import { PostEventsPublisher } from './data-access/post-events.publisher.ts';
import { createWriteLock } from './data-access/write-lock.ts';
import { OutboxRelay } from './domain/outbox-relay.ts';
import { registerRelayHealthRoute } from './entry-points/relay-health.routes.ts';

export async function start(config: RelayConfig, options: { logger?: Logger } = {}): Promise<RunningService> {
  const logger = options.logger ?? createLogger('posts-relay', config.LOG_LEVEL);
  const store = openPostsStore(config.MONGO_URL, 'posts-relay');
  const outbox = new OutboxRepository(store.db, createWriteLock(store.db, config.POSTS_WRITE_LOCK, logger));
  const publisher = new PostEventsPublisher(createProducer('posts-relay'));
  const relay = new OutboxRelay({ outbox, publisher, logger, pollMs: config.RELAY_POLL_MS, batchSize: config.RELAY_BATCH, ...(config.RELAY_MAX_BATCH_BYTES !== undefined ? { maxBatchBytes: config.RELAY_MAX_BATCH_BYTES } : {}) });

  const app = createHttpApp({ logger, storeName: POSTS_STORE_NAME, guards: { allowedHosts: config.ALLOWED_HOSTS, internalSecret: config.INTERNAL_SECRET } });
  registerRelayHealthRoute(app, relay, outbox);
  app.post(
    '/wake',
    {
      schema: {
        summary: 'Publish now: the posts service has just written outbox events (of these posts, when named)',
        body: z.object({ ids: z.array(z.string().regex(/^[0-9a-f]{24}$/)).max(500).default([]) }).nullish(),
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      relay.wake(request.body?.ids ?? []);
      return reply.status(204).send(null);
    },
  );
  try {
    await app.listen({ host: '127.0.0.1', port: config.PORT });
  } catch (error) {
    await publisher.close().catch(() => undefined);
    await store.client.close().catch(() => undefined);
    throw error;
  }
  // The loop creates the topic first (ensureTopics), retrying while Kafka is down.
  relay.start();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info({ port, pollMs: config.RELAY_POLL_MS }, 'posts outbox relay running');

  return {
    port,
    async stop() {
      await relay.stop(2000, () => publisher.close().catch(() => undefined));
      await app.close();
      await store.client.close();
    },
  };
}
