import type { Db } from 'mongodb';
import type { ConsumerLoopStats } from '@polyglot/platform/kafka';
import type { FaultsState } from '@polyglot/platform/projection-faults';
import type { HttpApp } from '@polyglot/platform/http-app';
import { pingStore, POSTS_STORE_NAME } from '../data-access/mongo-client.ts';
import { PostsHealth } from './schemas.ts';

/** The user cascade's counters, with its lag and fault controls when it has them. */
export type CascadeStatus = ConsumerLoopStats & { lag?: number | null; faults?: FaultsState };

export function registerHealthRoute(app: HttpApp, db: Db, cascadeStats: () => CascadeStatus | null | Promise<CascadeStatus | null>): void {
  app.get('/health', { schema: { response: { 200: PostsHealth, 503: PostsHealth } } }, async (request, reply) => {
    const stats = await cascadeStats();
    const userCascade = stats
      ? {
          running: stats.running,
          processed: stats.processed,
          deadLettered: stats.deadLettered,
          lastAppliedAt: stats.lastAppliedAt,
          ...(stats.lag !== undefined ? { lag: stats.lag } : {}),
          ...(stats.faults ? { faults: stats.faults } : {}),
          waitingForStore: stats.waitingForStore,
        }
      : null;
    try {
      await pingStore(db);
      return { status: 'ok' as const, checks: { mongo: 'ok' as const }, userCascade };
    } catch (error) {
      request.log.warn({ err: error }, 'health: the posts store does not answer');
      return reply.code(503).send({
        status: 'degraded',
        checks: { mongo: 'down' },
        userCascade,
        error: `${POSTS_STORE_NAME} is unavailable; try again shortly`,
        code: 'STORE_UNAVAILABLE',
      });
    }
  });
}
