import type { ConsumerStatus } from '@polyglot/platform/consumer';
import type { HttpApp } from '@polyglot/platform/http-app';
import { tracingHealth } from '@polyglot/platform/tracing';
import { PostsHealth } from './schemas.ts';

/** The store a health check asks: its name, for the message, and a ping (app.ts builds it). */
export interface StoreProbe {
  name: string;
  ping(): Promise<void>;
}

/** cascade: the user cascade's status, null when it is switched off. */
export function registerHealthRoute(app: HttpApp, store: StoreProbe, cascade: () => Promise<ConsumerStatus | null>): void {
  app.get('/health', { schema: { response: { 200: PostsHealth, 503: PostsHealth } } }, async (request, reply) => {
    const userCascade = await cascade();
    try {
      await store.ping();
      return { status: 'ok' as const, checks: { mongo: 'ok' as const }, userCascade, tracing: tracingHealth() };
    } catch (error) {
      request.log.warn({ err: error }, 'health: the posts store does not answer');
      return reply.code(503).send({
        status: 'degraded',
        checks: { mongo: 'down' },
        userCascade,
        tracing: tracingHealth(),
        error: `${store.name} is unavailable; try again shortly`,
        code: 'STORE_UNAVAILABLE',
      });
    }
  });
}
