// The OpenAPI document, generated from the routes' zod schemas (so what is
// validated is what is documented), and Swagger UI on top of it. Must be
// registered before the routes: @fastify/swagger collects them as they are added.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import type { HttpApp } from '@polyglot/platform/http-app';

export async function registerDocs(app: HttpApp): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Polyglot persistence gateway',
        description: 'The public REST API. Every error is {error, code}; writes answer x-consistency-token when their source reports a position.',
        version: '1.0.0',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'a token from POST /auth/login' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
