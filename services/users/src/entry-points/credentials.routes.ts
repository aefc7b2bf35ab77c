import { Account, ErrorBody, LoginBody } from '@polyglot/contracts/api';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { UsersDeps } from '../domain/users-deps.ts';
import { verifyCredentials } from '../domain/verify-credentials.use-case.ts';

export function registerCredentialRoutes(app: HttpApp, deps: UsersDeps): void {
  app.post('/credentials/verify', {
    schema: {
      summary: 'Check an email and password; answers the user, never the hash',
      body: LoginBody,
      response: { 200: Account, 400: ErrorBody, 401: ErrorBody, 413: ErrorBody, 503: ErrorBody },
    },
    handler: async (request) => verifyCredentials(deps, request.body.email, request.body.password),
  });
}
