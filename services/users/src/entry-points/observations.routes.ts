// The history checker's read of PostgreSQL (POST /internal/observations), for
// the gateway's POST /lab/observations: internal, the gateway does not expose it.
import { ErrorBody } from '@polyglot/contracts/api';
import { ObservationRequest, StoreObservations } from '@polyglot/contracts/observations';
import { AppError } from '@polyglot/platform/errors';
import type { HttpApp } from '@polyglot/platform/http-app';
import { observeUsers } from '../domain/observe-users.use-case.ts';
import type { UsersDeps } from '../domain/users-deps.ts';

export function registerObservationRoutes(app: HttpApp, deps: UsersDeps): void {
  app.post('/internal/observations', {
    schema: {
      summary: 'Which of these users exist, each at the WAL position that names its state (the history checker)',
      body: ObservationRequest,
      response: { 200: StoreObservations, 400: ErrorBody, 503: ErrorBody },
    },
    handler: async (request) => {
      if (request.body.source !== 'users') throw new AppError('VALIDATION_FAILED', `the users service keeps users, not ${request.body.source}; ask its owner`);
      const notUsers = request.body.ids.filter((id) => !/^[1-9][0-9]*$/.test(id));
      if (notUsers.length > 0) throw new AppError('VALIDATION_FAILED', `user ids are whole numbers, not ${notUsers.slice(0, 3).join(', ')}`);
      return observeUsers(deps, request.body.ids);
    },
  });
}
