// With AUTH_REQUIRED on, every write needs a session, checked before the body
// is even parsed; what the session may change is decided by the use cases.
// Creating an account and logging in are the writes that cannot need one.
import type { FastifyRequest } from 'fastify';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { GatewayDeps } from '../domain/gateway-deps.ts';
import { sessionUserId } from '../domain/sessions.use-case.ts';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
// POST /graphql carries queries too: its mutations check the session themselves (graphql.context.ts callerOf).
const OPEN_WRITES = new Set(['POST /auth/login', 'POST /users', 'POST /graphql']);

export function registerSessionHook(app: HttpApp, deps: GatewayDeps): void {
  app.decorateRequest('actor', null);
  if (!deps.config.AUTH_REQUIRED) return;
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url;
    // An unknown route is a 404, whoever asks.
    if (route === undefined || !WRITES.has(request.method) || OPEN_WRITES.has(`${request.method} ${route}`)) return;
    request.actor = await sessionUserId(deps, request.headers.authorization);
  });
}

/**
 * A read that needs a session when AUTH_REQUIRED is on (the dead letters hold
 * whole messages, emails included; /consistency/stream follows every change), as
 * a route-level onRequest hook: 401 UNAUTHENTICATED before anything else, also
 * before a WebSocket upgrade. Off, anyone may, as before.
 */
export function sessionOnly(deps: GatewayDeps): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    if (deps.config.AUTH_REQUIRED) await sessionUserId(deps, request.headers.authorization);
  };
}
