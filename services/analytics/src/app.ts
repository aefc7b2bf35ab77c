// The analytics process: migrations, the HTTP API and the projection consumer.
import type { Logger } from 'pino';
import { createWatermarkPublisher } from '@polyglot/platform/watermark-publisher';
import { createHttpApp } from '@polyglot/platform/http-app';
import { registerLatencyResetRoute } from '@polyglot/platform/latency-route';
import { registerProjectionFaultsRoutes } from '@polyglot/platform/projection-faults-route';
import { createLogger } from '@polyglot/platform/logger';
import type { SupervisedConsumer } from '@polyglot/platform/consumer';
import type { AnalyticsConfig } from './config.ts';
import { EventRepository } from './data-access/event.repository.ts';
import { ReconcileRepository } from './data-access/reconcile.repository.ts';
import { createPool, migrateSchema, STORE_NAME } from './data-access/timescale-pool.ts';
import { analyticsRoutes } from './entry-points/analytics.routes.ts';
import { healthRoutes } from './entry-points/health.routes.ts';
import { reconcileRoutes } from './entry-points/reconcile.routes.ts';
import { shownPositionRoutes } from './entry-points/shown-position.routes.ts';
import { observationRoutes } from './entry-points/observations.routes.ts';
import { createProjection } from './entry-points/projection.consumer.ts';
import { DropFault } from './domain/drop-fault.ts';
import { testFaultsFor, type TestFaults } from '@polyglot/platform/test-faults';

export interface Running {
  port: number;
  stop(): Promise<void>;
}

/** testFaults: broken on purpose, for a test of the history checker (platform/test-faults.ts); refused outside node --test. */
export async function start(config: AnalyticsConfig, deps: { logger?: Logger; testFaults?: TestFaults } = {}): Promise<Running> {
  const logger = deps.logger ?? createLogger('analytics', config.LOG_LEVEL);
  const { dropOneIn } = testFaultsFor(deps.testFaults);
  if (dropOneIn) logger.warn({ dropOneIn }, 'TEST FAULTS ON: the analytics projection drops one change in this many');
  if (!config.SKIP_MIGRATIONS) {
    const result = await migrateSchema(config.TIMESCALE_URL);
    if (result.applied.length > 0) logger.info({ applied: result.applied }, 'migrations applied');
  }
  const pool = createPool(config.TIMESCALE_URL, logger);
  const events = new EventRepository(pool);
  let projection: SupervisedConsumer | undefined;
  const watermarks = config.CONSUMERS ? createWatermarkPublisher('analytics', config.WATERMARKS_REDIS_URL, logger) : undefined;
  const app = createHttpApp({ logger, storeName: STORE_NAME, guards: { allowedHosts: config.ALLOWED_HOSTS, internalSecret: config.INTERNAL_SECRET } });
  try {
    if (config.CONSUMERS) {
      projection = createProjection(events, logger, watermarks, config.PROJECTION_GROUP, dropOneIn ? new DropFault(dropOneIn) : undefined);
      await projection.start();
    }
    analyticsRoutes(app, events);
    shownPositionRoutes(app, events);
    observationRoutes(app, events);
    healthRoutes(app, { name: STORE_NAME, ping: () => events.ping() }, projection);
    reconcileRoutes(app, new ReconcileRepository(pool));
    if (projection) registerLatencyResetRoute(app, () => projection?.resetLatency());
    if (projection) registerProjectionFaultsRoutes(app, projection);
    await app.listen({ host: '127.0.0.1', port: config.PORT });
  } catch (error) {
    await projection?.stop();
    await watermarks?.close();
    await app.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info({ port, projection: projection !== undefined }, 'analytics listening');
  return {
    port,
    async stop() {
      // The consumer first: it may be writing a row through the pool.
      await projection?.stop();
      await watermarks?.close();
      await app.close();
      await pool.end();
    },
  };
}
