// The gateway: the only public entry. It opens no database; it calls the
// services over HTTP and uses two Redis instances: the cache (profiles, pages)
// and the state store (sessions, login counters, generations, watermarks).
// start() listens on 127.0.0.1:PORT; stop() closes the server, then Redis.
import cors from '@fastify/cors';
import websocket from '@fastify/websocket';
import { createHttpApp, type HttpApp } from '@polyglot/platform/http-app';
import { createLogger, redactUrl, type Logger } from '@polyglot/platform/logger';
import { testFaultsFor, type TestFaults } from '@polyglot/platform/test-faults';
import type { GatewayConfig } from './config.ts';
import { createAnalyticsClient } from './data-access/analytics.client.ts';
import { createGraphClient } from './data-access/graph.client.ts';
import { createHistoryChecker } from './data-access/history-checker.ts';
import { createJaegerClient } from './data-access/jaeger.client.ts';
import { createAttemptCounter } from './data-access/login-attempts.store.ts';
import { createPageCache } from './data-access/page-cache.ts';
import { createPostCache } from './data-access/post-cache.ts';
import { createPostListing } from './data-access/post-listing.ts';
import { createFaultLog } from './data-access/fault-log.ts';
import { createLabResults } from './data-access/lab-results.store.ts';
import { createPostsClient } from './data-access/posts.client.ts';
import { createProjectionControls } from './data-access/projection-controls.client.ts';
import { createStackUnits } from './data-access/stack-units.ts';
import { createProjectorsClient } from './data-access/projectors.client.ts';
import { createRedisObserver } from './data-access/redis-observer.ts';
import { connectRedis, createRedis } from './data-access/redis.ts';
import { createSessionStore } from './data-access/session.store.ts';
import { createUserCache } from './data-access/user-cache.ts';
import { createUsersClient } from './data-access/users.client.ts';
import { WatermarkWatcher } from './data-access/watermark-watcher.ts';
import { checkHealth } from './domain/check-health.use-case.ts';
import type { GatewayDeps } from './domain/gateway-deps.ts';
import { HealthFeed } from './domain/health-feed.ts';
import { createReconcileDeps } from './domain/reconcile.use-case.ts';
import { ANALYTICS_MAX_AGE_MS, SharedRead } from './domain/shared-read.ts';
import { registerAuthRoutes } from './entry-points/auth.routes.ts';
import { registerCommentRoutes } from './entry-points/comments.routes.ts';
import { registerDocs } from './entry-points/docs.ts';
import { registerFaultRoutes } from './entry-points/faults.routes.ts';
import { registerFeedRoutes } from './entry-points/feed.routes.ts';
import { registerFollowRoutes } from './entry-points/follows.routes.ts';
import { registerOperationsRoutes } from './entry-points/operations.routes.ts';
import { registerPostRoutes } from './entry-points/posts.routes.ts';
import { registerReconcileRoutes } from './entry-points/reconcile.routes.ts';
import { registerTraceRoutes } from './entry-points/traces.routes.ts';
import { registerReadYourWrites } from './entry-points/consistency.hooks.ts';
import { registerConsistencyRoutes } from './entry-points/consistency.routes.ts';
import { registerLabRoutes } from './entry-points/lab.routes.ts';
import { registerGraphQL } from './entry-points/graphql.routes.ts';
import { registerSessionHook } from './entry-points/session.hook.ts';
import { registerUserRoutes } from './entry-points/users.routes.ts';
import { registerRateLimit } from './entry-points/rate-limit.ts';
import { registerWebSocketLimits } from './entry-points/websocket-limits.ts';

export interface StartOptions {
  logger?: Logger;
  /** Broken on purpose, for a test of the history checker (platform/test-faults.ts); refused outside node --test. */
  testFaults?: TestFaults;
}

export interface RunningGateway {
  port: number;
  stop(): Promise<void>;
}

/** The gateway's app with every route registered, not listening and with nothing connected yet. */
export interface BuiltGateway {
  app: HttpApp;
  deps: GatewayDeps;
  /** Closes the app, then Redis (which may never have connected). */
  close(): Promise<void>;
}

/**
 * Builds the app without touching the network: the Redis clients connect lazily, so this is also how
 * the OpenAPI document is produced without the stack (test/openapi-lint.test.ts).
 */
export async function buildGateway(config: GatewayConfig, logger: Logger, testFaults: TestFaults = {}): Promise<BuiltGateway> {
  const redis = createRedis(config.REDIS_URL, logger);
  // State that must not be lost lives in its own instance, which never evicts (filling the cache cannot push it out).
  const stateRedis = createRedis(config.STATE_REDIS_URL, logger, 'state');
  const watermarks = new WatermarkWatcher(stateRedis, logger);
  const disconnect = (): void => {
    watermarks.stop();
    redis.disconnect();
    stateRedis.disconnect();
  };
  const deps: GatewayDeps = {
    config,
    logger,
    redis,
    stateRedis,
    users: createUsersClient(config.USERS_URL, config.INTERNAL_SECRET),
    posts: createPostsClient(config.POSTS_URL, config.INTERNAL_SECRET),
    graph: createGraphClient(config.GRAPH_URL, config.INTERNAL_SECRET),
    analytics: createAnalyticsClient(config.ANALYTICS_URL, config.INTERNAL_SECRET),
    projectors: createProjectorsClient(config.PROJECTORS_URL, config.INTERNAL_SECRET),
    jaeger: createJaegerClient(config.JAEGER_QUERY_URL),
    userCache: createUserCache(redis, logger, stateRedis),
    postCache: createPostCache(redis, logger, stateRedis),
    listing: createPostListing(stateRedis),
    pages: createPageCache(redis, logger, { generations: stateRedis, maxPageBytes: config.PAGE_CACHE_MAX_BYTES, maxPagesPerGeneration: config.PAGE_CACHE_MAX_PAGES }),
    sessions: createSessionStore(stateRedis),
    attempts: createAttemptCounter(stateRedis),
    watermarks,
    health: new HealthFeed(() => checkHealth(deps), logger),
    recentAnalytics: new SharedRead(() => deps.analytics.get(), ANALYTICS_MAX_AGE_MS),
    redisObserver: createRedisObserver(redis, stateRedis),
    historyChecker: createHistoryChecker(config.HISTORY_CHECKER),
    testFaults,
  };
  const app = createHttpApp({
    logger,
    storeName: 'a service behind the gateway',
    guards: { allowedHosts: config.ALLOWED_HOSTS, allowedOrigins: config.CORS_ORIGINS },
    timeouts: { requestTimeoutMs: config.REQUEST_TIMEOUT_S * 1000, connectionTimeoutMs: config.CONNECTION_TIMEOUT_S * 1000 },
  });
  try {
    await app.register(cors, {
      origin: config.CORS_ORIGINS,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
      // traceresponse: the UI links a write to its trace (W3C Trace Context Level 2).
      exposedHeaders: ['x-total-count', 'link', 'x-consistency-token', 'retry-after', 'traceresponse'],
      maxAge: 600,
    });
    // Before the routes: it applies to those registered after it. Counters in the state instance (filling the cache must not reset them).
    await registerRateLimit(app, { config, redis: stateRedis, sessions: deps.sessions });
    await registerDocs(app);
    // One WebSocket server for /consistency/stream and the GraphQL subscriptions (mercurius reuses it; a second would answer every upgrade twice).
    await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
    registerWebSocketLimits(app, { maxPerAddress: config.WS_MAX_PER_ADDRESS, maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES }, logger);
    registerSessionHook(app, deps);
    registerReadYourWrites(app, deps);
    registerUserRoutes(app, deps);
    registerFeedRoutes(app, deps);
    registerPostRoutes(app, deps);
    registerCommentRoutes(app, deps);
    registerFollowRoutes(app, deps);
    registerAuthRoutes(app, deps);
    registerOperationsRoutes(app, deps);
    registerTraceRoutes(app, deps);
    // Each shared by REST and GraphQL: one log of fault actions and one lock per unit, one list of lab
    // results, one reconciler (and so one progress board).
    const faults = { logger, projections: createProjectionControls(config), units: createStackUnits(config.UNIT_CONTROL, config.INTERNAL_SECRET), faultLog: createFaultLog() };
    const lab = createLabResults(stateRedis);
    const reconcile = createReconcileDeps(deps);
    registerReconcileRoutes(app, deps, reconcile);
    await registerConsistencyRoutes(app, deps);
    registerLabRoutes(app, deps, lab);
    registerFaultRoutes(app, deps, faults);
    await registerGraphQL(app, deps, { faults, lab, reconcile });
  } catch (error) {
    await app.close().catch(() => undefined);
    disconnect();
    throw error;
  }
  return {
    app,
    deps,
    async close() {
      await app.close();
      disconnect();
    },
  };
}

export async function start(config: GatewayConfig, options: StartOptions = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger('gateway', config.LOG_LEVEL);
  const testFaults = testFaultsFor(options.testFaults);
  if (testFaults.strongAnswersEarly) logger.warn({ testFaults }, 'TEST FAULTS ON: strong writes answer before the projections show them');
  const gateway = await buildGateway(config, logger, testFaults);
  const { app, deps } = gateway;
  try {
    // Not fatal: without Redis the gateway serves reads uncached and reports the cache as disconnected.
    const [cacheUp, stateUp] = await Promise.all([connectRedis(deps.redis), connectRedis(deps.stateRedis)]);
    if (!cacheUp) logger.warn({ url: redactUrl(config.REDIS_URL) }, 'Redis does not answer yet; starting without the cache');
    if (!stateUp) logger.warn({ url: redactUrl(config.STATE_REDIS_URL) }, 'the state Redis does not answer yet; sessions answer 503 until it does');
    await deps.watermarks.start();

    await app.listen({ host: '127.0.0.1', port: config.PORT });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.PORT;
    logger.info({ port, authRequired: config.AUTH_REQUIRED }, 'gateway listening');
    return { port, stop: () => gateway.close() };
  } catch (error) {
    await gateway.close().catch(() => undefined);
    throw error;
  }
}
