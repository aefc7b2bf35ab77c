// The posts API process: HTTP routes on the document store, plus the consumer
// that tombstones a deleted user's posts.
import type { Logger } from 'pino';
import { AppError } from '@polyglot/platform/errors';
import { createHttpApp, type HttpApp } from '@polyglot/platform/http-app';
import { createRelayNudge } from '@polyglot/platform/relay-nudge';
import { createLogger } from '@polyglot/platform/logger';
import { ProjectionFaults } from '@polyglot/platform/projection-faults';
import { registerProjectionFaultsRoutes } from '@polyglot/platform/projection-faults-route';
import type { PostsConfig } from './config.ts';
import { openPostsStore, POSTS_STORE_NAME } from './data-access/mongo-client.ts';
import { LivePostsReader } from './data-access/live-posts.reader.ts';
import { PostRepository } from './data-access/post.repository.ts';
import { createWriteLock } from './data-access/write-lock.ts';
import { BackgroundConsumer } from './entry-points/background-consumer.ts';
import { registerCommentRoutes } from './entry-points/comments.routes.ts';
import { registerHealthRoute, type CascadeStatus } from './entry-points/health.routes.ts';
import { registerInternalRoutes } from './entry-points/internal.routes.ts';
import { registerReconcileRoutes } from './entry-points/reconcile.routes.ts';
import { registerPostRoutes } from './entry-points/posts.routes.ts';
import { createUserCascadeConsumer } from './entry-points/user-cascade.consumer.ts';

export interface RunningService {
  port: number;
  stop(): Promise<void>;
}

/**
 * Path ids that do not parse are INVALID_ID (the registry's code for them),
 * not VALIDATION_FAILED. Routes are registered in a child scope so its error
 * handler wraps the platform's one instead of overriding it.
 */
function withInvalidIdErrors(app: HttpApp, register: (scope: HttpApp) => void): void {
  const platformHandler = app.errorHandler;
  app.register(async (scope) => {
    const routes = scope as unknown as HttpApp;
    routes.setErrorHandler(function (error, request, reply) {
      const e = error as { validationContext?: string; validation?: Array<{ message?: string }> };
      if (Array.isArray(e.validation) && e.validationContext === 'params') {
        const reasons = e.validation.map((v) => v.message ?? 'is invalid').join('; ');
        return platformHandler.call(this, new AppError('INVALID_ID', `invalid id in the path ${request.url.split('?')[0]}: ${reasons}`), request, reply);
      }
      return platformHandler.call(this, error, request, reply);
    });
    register(routes);
  });
}

export async function start(config: PostsConfig, options: { logger?: Logger } = {}): Promise<RunningService> {
  const logger = options.logger ?? createLogger('posts', config.LOG_LEVEL);
  const store = openPostsStore(config.MONGO_URL, 'posts');
  // Every write that appends to a post's outbox tells the relay which post, so it reads just that one.
  const nudgeRelay = createRelayNudge(config.POSTS_RELAY_URL || undefined, config.INTERNAL_SECRET);
  const posts = new PostRepository(store.db, createWriteLock(store.db, config.POSTS_WRITE_LOCK, logger), { onWritten: (id) => nudgeRelay(id.toHexString()), logger });
  void posts.ensureIndexes(logger);

  // Faults on purpose (pause, delay, duplicate) outlive the consumer loops the background starter makes.
  const cascadeFaults = new ProjectionFaults(config.USER_CASCADE_GROUP, logger);
  const consumer = config.USER_CASCADE ? new BackgroundConsumer(() => createUserCascadeConsumer(posts, config.USER_CASCADE_GROUP, logger, cascadeFaults), logger) : null;
  const cascadeStatus = async (): Promise<CascadeStatus | null> => {
    if (!consumer) return null;
    const loop = consumer.loop;
    const stats = consumer.stats;
    // /health must answer quickly even when Kafka does not.
    const lag = loop && stats.running ? await Promise.race([loop.lag().catch(() => null), new Promise<null>((resolve) => setTimeout(() => resolve(null), 1000).unref())]) : null;
    return { ...stats, lag, faults: cascadeFaults.snapshot() };
  };

  const app = createHttpApp({ logger, storeName: POSTS_STORE_NAME, guards: { allowedHosts: config.ALLOWED_HOSTS, internalSecret: config.INTERNAL_SECRET } });
  withInvalidIdErrors(app, (routes) => {
    registerPostRoutes(routes, posts);
    registerCommentRoutes(routes, posts);
    registerInternalRoutes(routes, posts);
  });
  registerHealthRoute(app, store.db, cascadeStatus);
  registerReconcileRoutes(app, new LivePostsReader(store.posts));
  if (consumer) {
    registerProjectionFaultsRoutes(app, {
      faults: cascadeFaults,
      status: async () => {
        const status = await cascadeStatus();
        return { running: status?.running ?? false, lag: status?.lag ?? null };
      },
    });
  }

  try {
    await app.listen({ host: '127.0.0.1', port: config.PORT });
  } catch (error) {
    await store.client.close().catch(() => undefined);
    throw error;
  }
  consumer?.start();
  posts.warmIndex();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info({ port, mongo: config.MONGO_URL.replace(/\/\/[^@]*@/, '//***@') }, 'posts service listening');

  return {
    port,
    async stop() {
      await consumer?.stop();
      await app.close();
      await store.client.close();
    },
  };
}
