// The OpenAPI document, generated from the routes' zod schemas (so what is
// validated is what is documented), and Swagger UI on top of it. Must be
// registered before the routes: @fastify/swagger collects them as they are added.
// Each route names its operationId (what a generated client calls the function)
// and its security (route-helpers.ts); test/openapi-lint.test.ts holds the whole
// document to @redocly/cli's recommended rules.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { createJsonSchemaTransform } from 'fastify-type-provider-zod';
import { serviceUrl } from '@polyglot/contracts/services';
import type { HttpApp } from '@polyglot/platform/http-app';

export async function registerDocs(app: HttpApp): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Polyglot persistence gateway',
        description: 'The public REST API. Every error is {error, code}; writes answer x-consistency-token when their source reports a position.',
        version: '1.0.0',
        // The repository grants no license (no LICENSE file, no "license" in any package.json): all rights reserved.
        // OpenAPI requires a name; LicenseRef- is SPDX's form for a license that is not on its list.
        license: { name: 'UNLICENSED: no license is granted', identifier: 'LicenseRef-UNLICENSED' },
      },
      servers: [{ url: serviceUrl('gateway'), description: 'the gateway as ./stackctl up runs it, on loopback' }],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description:
              'A session token from POST /auth/login. Logout and /auth/me always need one; writes, /pipeline/dead-letters and the operators\' endpoints (faults, lab, reconcile: an admin\'s) need one only when the gateway runs with AUTH_REQUIRED on.',
          },
        },
      },
    },
    // The library's default override drops the branches of a union that are still empty when zod calls it,
    // and a pipe's branch is filled in only afterwards: Id (a number, or its digits as a string) lost its
    // string branch in some bodies. The rest of that override serves OpenAPI 3.0 and z.date(), neither used here.
    transform: createJsonSchemaTransform({ zodToJsonConfig: { override: () => undefined } }),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
