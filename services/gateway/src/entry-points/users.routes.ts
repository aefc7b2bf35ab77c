// /users: accounts, proxied to the users service (the source of truth).
import { z } from 'zod';
import { CreateUserBody, UpdateUserBody, User, UserIdParam, UsersPageQuery, UserView } from '@polyglot/contracts/api';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { GatewayDeps } from '../domain/gateway-deps.ts';
import { userFor, usersFor, viewerOf } from '../domain/privacy.ts';
import { RateLimitedError } from '../domain/sessions.use-case.ts';
import { createUser, deleteUser, updateUser } from '../domain/user-writes.use-case.ts';
import { getUser } from '../domain/get-user.use-case.ts';
import { consistencyTimeout, readsSource, settleWrite, SourceReadQuery, withConsistency, WriteQuery } from './consistency.hooks.ts';
import { bounded } from '../domain/bounded-list.ts';
import { callerOf, bearer, errors, linkNext, WRITE_ERRORS, noSession, sessionOptional } from './route-helpers.ts';

const tags = ['users'];

export function registerUserRoutes(app: HttpApp, deps: GatewayDeps): void {
  app.post(
    '/users',
    { schema: { tags, operationId: 'createUser', security: noSession, summary: 'Create a user', body: CreateUserBody, querystring: WriteQuery, response: { 201: withConsistency(User), ...errors(400, 409, 413, 503), ...consistencyTimeout } } },
    async (request, reply) => {
      const { value, token } = await createUser(deps, callerOf(request), request.body);
      return reply.code(201).send(await settleWrite(deps, request, reply, token, value));
    },
  );

  // With AUTH_REQUIRED on, an email is shown only to its owner (privacy.ts).
  app.get(
    '/users',
    { schema: { tags, operationId: 'listUsers', security: sessionOptional, summary: 'Users by id (or newest first with order=newest), a page at most (LIST_LIMIT, default 1,000); Link (rel="next") to the rest', querystring: UsersPageQuery, response: { 200: z.array(UserView), ...errors(400, 503) } } },
    async (request, reply) => {
      const limit = request.query.limit ?? deps.config.LIST_LIMIT;
      const { after, order } = request.query;
      const page = await bounded(limit, (n) => deps.users.list({ after, limit: n, order }));
      const last = page.items.at(-1);
      if (page.more && last) linkNext(request, reply, '/users', { after: last.id, limit, order });
      return usersFor(await viewerOf(deps, request.headers.authorization), page.items);
    },
  );

  // Served from the profile cache the pipeline keeps, so a reader may see a profile a moment old;
  // with the write's token or consistency=strong it is read from PostgreSQL.
  app.get(
    '/users/:id',
    {
      schema: {
        tags,
        operationId: 'getUser', security: sessionOptional, summary: 'One user, from the profile cache (eventual); with a token or consistency=strong, from the users service (PostgreSQL)',
        params: UserIdParam,
        querystring: SourceReadQuery,
        response: { 200: UserView, ...errors(400, 404, 503) },
      },
    },
    async (request) => userFor(await viewerOf(deps, request.headers.authorization), await getUser(deps, request.params.id, readsSource(request) ? 'source' : 'cache')),
  );

  app.put(
    '/users/:id',
    {
      schema: { tags, operationId: 'updateUser', summary: 'Change a user (with AUTH_REQUIRED: only yourself, and a new email or password needs currentPassword)', security: bearer, params: UserIdParam, body: UpdateUserBody, response: { 200: withConsistency(User), ...errors(...WRITE_ERRORS, 404, 409, 429), ...consistencyTimeout }, querystring: WriteQuery },
    },
    async (request, reply) => {
      try {
        const { value, token } = await updateUser(deps, callerOf(request), request.params.id, request.body, request.ip);
        return await settleWrite(deps, request, reply, token, value);
      } catch (error) {
        // currentPassword is checked under the login limits.
        if (error instanceof RateLimitedError) reply.header('retry-after', String(error.retryAfterS));
        throw error;
      }
    },
  );

  app.delete(
    '/users/:id',
    { schema: { tags, operationId: 'deleteUser', summary: 'Delete a user (with AUTH_REQUIRED: only yourself)', security: bearer, params: UserIdParam, response: { 204: z.null().describe('deleted'), ...errors(...WRITE_ERRORS, 404), ...consistencyTimeout }, querystring: WriteQuery } },
    async (request, reply) => {
      const { token } = await deleteUser(deps, callerOf(request), request.params.id);
      return reply.code(204).send(await settleWrite(deps, request, reply, token, null));
    },
  );
}
