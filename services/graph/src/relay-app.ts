// The outbox relay process: the relay loop plus /health on its own port.
import type { AddressInfo } from 'node:net';
import { topics } from '@polyglot/contracts/topics';
import { createHttpApp, toErrorReply } from '@polyglot/platform/http-app';
import { ensureTopics } from '@polyglot/platform/kafka';
import { createLogger, type Logger } from '@polyglot/platform/logger';
import { z } from 'zod';
import type { RelayConfig } from './config.ts';
import { prepareGraphSchema } from './data-access/graph-schema.ts';
import { createNeo4jDriver, GRAPH_STORE } from './data-access/neo4j.ts';
import { OutboxRepository } from './data-access/outbox.repository.ts';
import { OutboxRelay } from './relay.ts';
import type { RunningService } from './app.ts';

const RelayHealth = z.object({
  status: z.enum(['ok', 'degraded']),
  backlog: z.number().int().nullable().describe('events waiting in the outbox; null when Neo4j does not answer'),
  published: z.number().int(),
  lastPublishedAt: z.string().nullable(),
  lastError: z.string().nullable().describe('why the last round failed (Kafka or Neo4j down); null when the last round worked'),
  deadLettered: z.number().int().describe('events that could never be produced: sent to pipeline.dead-letters and removed from the outbox'),
  error: z.string().optional(),
  code: z.string().optional(),
});

export async function startRelay(config: RelayConfig, deps: { logger?: Logger } = {}): Promise<RunningService> {
  const logger = deps.logger ?? createLogger('graph-relay');
  const driver = createNeo4jDriver(config);
  const schema = await prepareGraphSchema(driver, logger).catch(async (error: unknown) => {
    await driver.close();
    throw error;
  });
  const outbox = new OutboxRepository(driver);
  const relay = new OutboxRelay({
    outbox,
    logger,
    pollMs: config.RELAY_POLL_MS,
    batchSize: config.RELAY_BATCH_SIZE,
    ...(config.RELAY_MAX_BATCH_BYTES !== undefined ? { maxBatchBytes: config.RELAY_MAX_BATCH_BYTES } : {}),
  });

  const app = createHttpApp({ logger, storeName: GRAPH_STORE, guards: { allowedHosts: config.ALLOWED_HOSTS, internalSecret: config.INTERNAL_SECRET } });
  app.get('/health', { schema: { summary: 'Outbox backlog and what the relay has published', response: { 200: RelayHealth, 503: RelayHealth } } }, async (request, reply) => {
    const { published, lastPublishedAt, lastError, deadLettered } = relay.stats;
    try {
      const backlog = await outbox.count();
      return reply.status(200).send({ status: 'ok', backlog, published, lastPublishedAt, lastError, deadLettered });
    } catch (error) {
      const { body } = toErrorReply(error, GRAPH_STORE);
      request.log.warn({ err: error }, 'health: outbox count failed');
      return reply.status(503).send({ status: 'degraded', backlog: null, published, lastPublishedAt, lastError, deadLettered, error: body.error, code: body.code });
    }
  });

  app.post('/wake', { schema: { summary: 'Publish now: the graph service has just written outbox events', response: { 204: z.null() } } }, async (_request, reply) => {
    relay.wake();
    return reply.status(204).send(null);
  });

  try {
    await app.listen({ host: '127.0.0.1', port: config.PORT });
  } catch (error) {
    schema.stop();
    await driver.close();
    throw error;
  }
  // The topic exists before the first event; if Kafka is down now, the relay creates it when it is back.
  await ensureTopics([topics.graphEvents]).catch((error: unknown) => logger.warn({ err: error }, 'Kafka is unavailable; the relay creates its topic when it is back'));
  relay.start();
  const port = (app.server.address() as AddressInfo).port;
  logger.info({ port, pollMs: config.RELAY_POLL_MS }, 'graph relay running');

  return {
    port,
    async stop() {
      await app.close();
      await relay.stop();
      schema.stop();
      await driver.close();
    },
  };
}
