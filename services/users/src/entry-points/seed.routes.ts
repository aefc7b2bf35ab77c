// The seed's bulk path (./stackctl seed), internal: the gateway does not expose it.
import { ErrorBody } from '@polyglot/contracts/api';
import { BulkUsersBody, BulkUsersResult } from '@polyglot/contracts/seed';
import type { HttpApp } from '@polyglot/platform/http-app';
import { bulkCreateUsers } from '../domain/bulk-create-users.use-case.ts';
import type { UsersDeps } from '../domain/users-deps.ts';

/** A batch of 5,000 users is about 400 KiB of JSON. */
const BULK_BODY_LIMIT = 2 * 1024 * 1024;

export function registerSeedRoutes(app: HttpApp, deps: UsersDeps): void {
  app.post('/internal/users/bulk', {
    bodyLimit: BULK_BODY_LIMIT,
    schema: {
      summary: 'Insert a batch of users sharing one password (one Argon2id hash); emails already taken are kept',
      body: BulkUsersBody,
      response: { 200: BulkUsersResult, 400: ErrorBody, 413: ErrorBody, 503: ErrorBody },
    },
    handler: async (request) => bulkCreateUsers(deps, request.body),
  });
}
