import type { Db } from 'mongodb';
import type { ConsumerLoopStats } from '@polyglot/platform/kafka';
import type { HttpApp } from '@polyglot/platform/http-app';
import { pingStore, POSTS_STORE_NAME } from '../data-access/mongo-client.ts';
import { PostsHealth } from './schemas.ts';

export function registerHealthRoute(app: HttpApp, db: Db, cascadeStats: () => ConsumerLoopStats | null): void {
  app.get('/health', { schema: { response: { 200: PostsHealth, 503: PostsHealth } } }, async (request, reply) => {
    const stats = cascadeStats();
    const userCascade = stats ? { running: stats.running, processed: stats.processed, deadLettered: stats.deadLettered, lastAppliedAt: stats.lastAppliedAt } : null;
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
