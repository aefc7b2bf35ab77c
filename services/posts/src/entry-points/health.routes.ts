import type { Db } from 'mongodb';
import type { ConsumerStatus } from '@polyglot/platform/consumer';
import type { HttpApp } from '@polyglot/platform/http-app';
import { pingStore, POSTS_STORE_NAME } from '../data-access/mongo-client.ts';
import { PostsHealth } from './schemas.ts';

/** cascade: the user cascade's status, null when it is switched off. */
export function registerHealthRoute(app: HttpApp, db: Db, cascade: () => Promise<ConsumerStatus | null>): void {
  app.get('/health', { schema: { response: { 200: PostsHealth, 503: PostsHealth } } }, async (request, reply) => {
    const userCascade = await cascade();
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
