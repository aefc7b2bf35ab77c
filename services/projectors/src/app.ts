// The projectors process: the Redis cache projection (profiles in the cache,
// tombstones and generations in the state store), the dead-letter index and their HTTP API.
import type { Logger } from 'pino';
import { createWatermarkPublisher } from '@polyglot/platform/watermark-publisher';
import { createHttpApp } from '@polyglot/platform/http-app';
import { registerLatencyResetRoute } from '@polyglot/platform/latency-route';
import { registerProjectionFaultsRoutes } from '@polyglot/platform/projection-faults-route';
import { createLogger } from '@polyglot/platform/logger';
import type { SupervisedConsumer } from '@polyglot/platform/consumer';
import type { ProjectorsConfig } from './config.ts';
import { CacheRepository } from './data-access/cache.repository.ts';
import { ProfileAuditRepository } from './data-access/profile-audit.repository.ts';
import { createRedis, STATE_STORE_NAME, STORE_NAME, whenReady } from './data-access/redis-client.ts';
import { KafkaReplayPublisher } from './data-access/replay.publisher.ts';
import { DeadLetterIndex } from './domain/dead-letter-index.ts';
import { createCacheProjection } from './entry-points/cache-projection.consumer.ts';
import { StaleApplyFault } from './domain/stale-apply-fault.ts';
import { testFaultsFor, type TestFaults } from '@polyglot/platform/test-faults';
import { createDeadLetterReader } from './entry-points/dead-letter-index.consumer.ts';
import { deadLetterRoutes } from './entry-points/dead-letters.routes.ts';
import { healthRoutes } from './entry-points/health.routes.ts';
import { reconcileRoutes } from './entry-points/reconcile.routes.ts';

export interface Running {
  port: number;
  stop(): Promise<void>;
}

/** testFaults: broken on purpose, for a test of the history checker (platform/test-faults.ts); refused outside node --test. */
export async function start(config: ProjectorsConfig, deps: { logger?: Logger; testFaults?: TestFaults } = {}): Promise<Running> {
  const logger = deps.logger ?? createLogger('projectors', config.LOG_LEVEL);
  const { staleApply } = testFaultsFor(deps.testFaults);
  if (staleApply) logger.warn('TEST FAULTS ON: the cache projection writes the version before over each newer one');
  const redis = createRedis(config.REDIS_URL, logger);
  const state = createRedis(config.STATE_REDIS_URL, logger, 'projectors-state');
  // Not fatal: the process starts degraded and the projection waits for Redis.
  const [cacheUp, stateUp] = await Promise.all([whenReady(redis, 2000), whenReady(state, 2000)]);
  if (!cacheUp) logger.warn({ store: STORE_NAME }, 'Redis is not reachable yet; starting degraded');
  if (!stateUp) logger.warn({ store: STATE_STORE_NAME }, 'Redis is not reachable yet; starting degraded');
  const cache = new CacheRepository(redis, state);
  const index = new DeadLetterIndex();
  const replays = new KafkaReplayPublisher();
  const app = createHttpApp({ logger, storeName: STORE_NAME, guards: { allowedHosts: config.ALLOWED_HOSTS, internalSecret: config.INTERNAL_SECRET } });
  let projection: SupervisedConsumer | undefined;
  const watermarks = config.CONSUMERS ? createWatermarkPublisher('cache', config.WATERMARKS_REDIS_URL, logger) : undefined;
  let deadLetterReader: SupervisedConsumer | undefined;
  const stopAll = async () => {
    await projection?.stop();
    await watermarks?.close();
    await deadLetterReader?.stop();
    await app.close().catch(() => undefined);
    await replays.close();
    redis.disconnect();
    state.disconnect();
  };
  try {
    if (config.CONSUMERS) {
      projection = createCacheProjection(cache, logger, watermarks, config.CACHE_PROJECTION_GROUP, staleApply ? new StaleApplyFault() : undefined);
      await projection.start();
      deadLetterReader = createDeadLetterReader(index, logger, config.DEAD_LETTER_INDEX_GROUP);
      await deadLetterReader.start();
    }
    deadLetterRoutes(app, index, replays);
    healthRoutes(app, { cache, storeNames: { cache: STORE_NAME, state: STATE_STORE_NAME }, index, projection, deadLetterReader });
    reconcileRoutes(app, new ProfileAuditRepository(redis, state));
    if (projection) registerLatencyResetRoute(app, () => projection?.resetLatency());
    if (projection) registerProjectionFaultsRoutes(app, projection);
    await app.listen({ host: '127.0.0.1', port: config.PORT });
  } catch (error) {
    await stopAll();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info({ port, consumers: config.CONSUMERS }, 'projectors listening');
  return { port, stop: stopAll };
}
