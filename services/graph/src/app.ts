// The graph service: the follow API over HTTP, the graph projection and the
// outbox relay that publishes the follow events, in one process on one Neo4j
// driver. start(config) → {port, stop()}; tests pass PORT 0.
import type { AddressInfo } from 'node:net';
import { createWatermarkPublisher } from '@polyglot/platform/watermark-publisher';
import { createHttpApp } from '@polyglot/platform/http-app';
import { registerLatencyResetRoute } from '@polyglot/platform/latency-route';
import { registerProjectionFaultsRoutes } from '@polyglot/platform/projection-faults-route';
import { createLogger, type Logger } from '@polyglot/platform/logger';
import { PROJECTION_OFF } from '@polyglot/contracts/health';
import type { GraphConfig } from './config.ts';
import { FollowRepository } from './data-access/follow.repository.ts';
import { GraphProjectionRepository } from './data-access/graph-projection.repository.ts';
import { ReconcileRepository } from './data-access/reconcile.repository.ts';
import { prepareGraphSchema } from './data-access/graph-schema.ts';
import { createNeo4jDriver, GRAPH_STORE } from './data-access/neo4j.ts';
import { OutboxRepository } from './data-access/outbox.repository.ts';
import { ObservationReader } from './data-access/observation.reader.ts';
import { ShownPositionReader } from './data-access/shown-position.reader.ts';
import { createGraphProjection } from './entry-points/graph-projection.consumer.ts';
import { registerFollowRoutes } from './entry-points/follow.routes.ts';
import type { RelayHealth } from '@polyglot/contracts/health';
import { registerHealthRoutes } from './entry-points/health.routes.ts';
import { registerReconcileRoutes } from './entry-points/reconcile.routes.ts';
import { registerShownPositionRoutes } from './entry-points/shown-position.routes.ts';
import { registerObservationRoutes } from './entry-points/observations.routes.ts';
import { registerRelationshipRoutes } from './entry-points/relationships.routes.ts';
import { OutboxRelay } from './relay.ts';

export interface RunningService {
  port: number;
  stop(): Promise<void>;
}

export async function start(config: GraphConfig, deps: { logger?: Logger } = {}): Promise<RunningService> {
  const logger = deps.logger ?? createLogger('graph');
  const driver = createNeo4jDriver(config);
  const schema = await prepareGraphSchema(driver, logger).catch(async (error: unknown) => {
    await driver.close();
    throw error;
  });

  const follows = new FollowRepository(driver);
  const outbox = new OutboxRepository(driver);
  const relay =
    config.GRAPH_RELAY
      ? new OutboxRelay({
          outbox,
          logger,
          pollMs: config.RELAY_POLL_MS,
          batchSize: config.RELAY_BATCH_SIZE,
          ...(config.RELAY_MAX_BATCH_BYTES !== undefined ? { maxBatchBytes: config.RELAY_MAX_BATCH_BYTES } : {}),
        })
      : null;
  // Every write that fills the outbox tells the relay at once, with a call.
  const outboxWritten = () => relay?.wake();
  const watermarks = config.CONSUMERS ? createWatermarkPublisher('graph', config.WATERMARKS_REDIS_URL, logger) : undefined;
  const projection =
    config.CONSUMERS
      ? createGraphProjection({
          repository: new GraphProjectionRepository(driver),
          logger,
          groupId: config.GRAPH_PROJECTION_GROUP,
          onOutboxWritten: outboxWritten,
          ...(watermarks ? { onApplied: (changes) => watermarks.applied(changes) } : {}),
        })
      : null;

  const app = createHttpApp({ logger, storeName: GRAPH_STORE, guards: { allowedHosts: config.ALLOWED_HOSTS, internalSecret: config.INTERNAL_SECRET } });
  registerFollowRoutes(app, { store: follows, outboxWritten });
  registerRelationshipRoutes(app, follows);
  registerShownPositionRoutes(app, new ShownPositionReader(driver));
  registerObservationRoutes(app, new ObservationReader(driver));
  registerReconcileRoutes(app, new ReconcileRepository(driver), outboxWritten);
  if (projection) registerLatencyResetRoute(app, () => projection.resetLatency());
  if (projection) registerProjectionFaultsRoutes(app, projection);
  const relayHealth = async (): Promise<RelayHealth> => {
    const backlog = await outbox.count().catch(() => null);
    const { running, published, lastPublishedAt, lastError, deadLettered } = relay?.stats ?? { running: false, published: 0, lastPublishedAt: null, lastError: null, deadLettered: 0 };
    return { running, backlog, published, lastPublishedAt, lastError, deadLettered };
  };
  registerHealthRoutes(app, { store: GRAPH_STORE, ping: () => follows.ping(), projection: async () => (projection ? projection.status() : PROJECTION_OFF), relay: relayHealth });

  try {
    await app.listen({ host: '127.0.0.1', port: config.PORT });
  } catch (error) {
    await watermarks?.close();
    schema.stop();
    await driver.close();
    throw error;
  }
  void projection?.start();
  // It publishes what earlier runs left in the outbox at once, then waits to be woken.
  relay?.start();
  const port = (app.server.address() as AddressInfo).port;
  logger.info({ port, consumers: config.CONSUMERS, relay: config.GRAPH_RELAY }, 'graph service listening');

  return {
    port,
    async stop() {
      // The relay first: its round in progress ends (Kafka acknowledged, the outbox cleared) while Neo4j is still open.
      await relay?.stop();
      await app.close();
      await projection?.stop();
      await watermarks?.close();
      schema.stop();
      await driver.close();
    },
  };
}
