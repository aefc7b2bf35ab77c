// The posts API process: HTTP routes on the document store, plus the consumer
// that deletes a deleted user's posts. Debezium captures every change from the
// store's log (stack/src/engines/cdc-connectors.ts): nothing here publishes.
import type { Logger } from 'pino';
import { AppError } from '@polyglot/platform/errors';
import { createHttpApp, type HttpApp } from '@polyglot/platform/http-app';
import { createLogger } from '@polyglot/platform/logger';
import { registerProjectionFaultsRoutes } from '@polyglot/platform/projection-faults-route';
import type { PostsConfig } from './config.ts';
import { openPostsStore, pingStore, POSTS_STORE_NAME } from './data-access/mongo-client.ts';
import { LivePostsReader } from './data-access/live-posts.reader.ts';
import { PostRepository } from './data-access/post.repository.ts';
import { publishLegacyOutboxes } from './data-access/legacy-outbox.ts';
import { KeyedMutex } from './data-access/write-lock.ts';
import { registerCommentRoutes } from './entry-points/comments.routes.ts';
import { registerHealthRoute } from './entry-points/health.routes.ts';
import { registerInternalRoutes } from './entry-points/internal.routes.ts';
import { registerReconcileRoutes } from './entry-points/reconcile.routes.ts';
import { registerPostRoutes } from './entry-points/posts.routes.ts';
import { createUserCascade } from './entry-points/user-cascade.consumer.ts';

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
  const writeLock = new KeyedMutex();
  const posts = new PostRepository(store.db, writeLock);
  void posts.ensureIndexes(logger);

  const consumer = config.CONSUMERS ? createUserCascade(posts, config.USER_CASCADE_GROUP, logger) : null;

  const app = createHttpApp({ logger, storeName: POSTS_STORE_NAME, guards: { allowedHosts: config.ALLOWED_HOSTS, internalSecret: config.INTERNAL_SECRET } });
  withInvalidIdErrors(app, (routes) => {
    registerPostRoutes(routes, posts);
    registerCommentRoutes(routes, posts);
    registerInternalRoutes(routes, posts);
  });
  registerHealthRoute(app, { name: POSTS_STORE_NAME, ping: () => pingStore(store.db) }, async () => (consumer ? consumer.status() : null));
  registerReconcileRoutes(app, new LivePostsReader(store.posts));
  if (consumer) registerProjectionFaultsRoutes(app, consumer);

  try {
    await app.listen({ host: '127.0.0.1', port: config.PORT });
  } catch (error) {
    await store.client.close().catch(() => undefined);
    throw error;
  }
  void consumer?.start();
  // In the background: a store that is down at start must not keep the service from starting.
  void publishLegacyOutboxes(store.db, writeLock, logger).catch((error: unknown) => logger.error({ err: error }, 'could not hand the old outboxes to the capture; it is tried again at the next start'));
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
