// The graph service: the follow API over HTTP and the graph projection, on one
// Neo4j driver. start(config) → {port, stop()}; tests pass PORT 0.
import type { AddressInfo } from 'node:net';
import { createWatermarkPublisher } from '@polyglot/platform/watermark-publisher';
import { createHttpApp } from '@polyglot/platform/http-app';
import { createRelayNudge } from '@polyglot/platform/relay-nudge';
import { registerLatencyResetRoute } from '@polyglot/platform/latency-route';
import { registerProjectionFaultsRoutes } from '@polyglot/platform/projection-faults-route';
import { createLogger, type Logger } from '@polyglot/platform/logger';
import type { GraphConfig } from './config.ts';
import { FollowRepository } from './data-access/follow.repository.ts';
import { GraphProjectionRepository } from './data-access/graph-projection.repository.ts';
import { ReconcileRepository } from './data-access/reconcile.repository.ts';
import { prepareGraphSchema } from './data-access/graph-schema.ts';
import { createNeo4jDriver, GRAPH_STORE } from './data-access/neo4j.ts';
import { GraphProjectionConsumer, type ProjectionStatus } from './entry-points/graph-projection.consumer.ts';
import { registerFollowRoutes } from './entry-points/follow.routes.ts';
import { registerHealthRoutes } from './entry-points/health.routes.ts';
import { registerReconcileRoutes } from './entry-points/reconcile.routes.ts';
import { registerShownPositionRoutes } from './entry-points/shown-position.routes.ts';
import { registerRelationshipRoutes } from './entry-points/relationships.routes.ts';

export interface RunningService {
  port: number;
  stop(): Promise<void>;
}

const PROJECTION_OFF: ProjectionStatus = { running: false, lag: null, processed: 0, deadLettered: 0, lastAppliedAt: null, latency: null };

export async function start(config: GraphConfig, deps: { logger?: Logger } = {}): Promise<RunningService> {
  const logger = deps.logger ?? createLogger('graph');
  const driver = createNeo4jDriver(config);
  const schema = await prepareGraphSchema(driver, logger).catch(async (error: unknown) => {
    await driver.close();
    throw error;
  });

  const follows = new FollowRepository(driver);
  const nudgeRelay = createRelayNudge(config.GRAPH_RELAY_URL || undefined, config.INTERNAL_SECRET);
  const watermarks = config.GRAPH_PROJECTION === 'on' ? createWatermarkPublisher('graph', config.WATERMARKS_REDIS_URL, logger) : undefined;
  const projection =
    config.GRAPH_PROJECTION === 'on'
      ? new GraphProjectionConsumer({
          repository: new GraphProjectionRepository(driver),
          logger,
          groupId: config.GRAPH_PROJECTION_GROUP,
          onOutboxWritten: nudgeRelay,
          ...(watermarks ? { onApplied: (changes) => watermarks.applied(changes) } : {}),
        })
      : null;

  const app = createHttpApp({ logger, storeName: GRAPH_STORE, guards: { allowedHosts: config.ALLOWED_HOSTS, internalSecret: config.INTERNAL_SECRET } });
  // A follow or unfollow that succeeded wrote an outbox node: tell the relay.
  app.addHook('onResponse', async (request, reply) => {
    if (request.method !== 'GET' && reply.statusCode < 300) nudgeRelay();
  });
  registerFollowRoutes(app, follows);
  registerRelationshipRoutes(app, follows);
  registerShownPositionRoutes(app, driver);
  registerReconcileRoutes(app, new ReconcileRepository(driver));
  if (projection) registerLatencyResetRoute(app, () => projection.resetLatency());
  if (projection) registerProjectionFaultsRoutes(app, projection);
  registerHealthRoutes(app, { ping: () => follows.ping(), projection: async () => (projection ? projection.status() : PROJECTION_OFF) });

  try {
    await app.listen({ host: '127.0.0.1', port: config.PORT });
  } catch (error) {
    await watermarks?.close();
    schema.stop();
    await driver.close();
    throw error;
  }
  projection?.start();
  const port = (app.server.address() as AddressInfo).port;
  logger.info({ port, projection: config.GRAPH_PROJECTION }, 'graph service listening');

  return {
    port,
    async stop() {
      await app.close();
      await projection?.stop();
      await watermarks?.close();
      schema.stop();
      await driver.close();
    },
  };
}
