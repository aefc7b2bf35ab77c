// /auth: sessions. A token is opaque; Redis keeps only its hash. Send it back
// as "Authorization: Bearer <token>".
import { z } from 'zod';
import { Account, LoginBody, Session } from '@polyglot/contracts/api';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { GatewayDeps } from '../domain/gateway-deps.ts';
import { currentUser, logIn, logOut, RateLimitedError } from '../domain/sessions.use-case.ts';
import { bearer, errors, noSession } from './route-helpers.ts';

const tags = ['auth'];

export function registerAuthRoutes(app: HttpApp, deps: GatewayDeps): void {
  app.post(
    '/auth/login',
    {
      schema: {
        tags,
        operationId: 'login', security: noSession, summary: 'Log in: a session token valid for SESSION_TTL_S; rate-limited per email and per client address',
        body: LoginBody,
        response: { 200: Session, ...errors(400, 401, 413, 429, 503) },
      },
    },
    async (request, reply) => {
      try {
        return await logIn(deps, request.body, request.ip);
      } catch (error) {
        if (error instanceof RateLimitedError) reply.header('retry-after', String(error.retryAfterS));
        throw error;
      }
    },
  );

  app.post(
    '/auth/logout',
    { schema: { tags, operationId: 'logout', summary: 'End the session of the bearer token', security: bearer, response: { 204: z.null().describe('logged out'), ...errors(401, 503) } } },
    async (request, reply) => {
      await logOut(deps, request.headers.authorization);
      return reply.code(204).send(null);
    },
  );

  app.get('/auth/me', { schema: { tags, operationId: 'getCurrentUser', summary: 'The user of the bearer token, with their role', security: bearer, response: { 200: Account, ...errors(401, 503) } } }, async (request) =>
    currentUser(deps, request.headers.authorization),
  );
}
