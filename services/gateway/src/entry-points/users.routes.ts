// /users: accounts, proxied to the users service (the source of truth).
import { z } from 'zod';
import { CreateUserBody, UpdateUserBody, User, UserIdParam } from '@polyglot/contracts/api';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { GatewayDeps } from '../domain/gateway-deps.ts';
import { createUser, deleteUser, updateUser } from '../domain/user-writes.use-case.ts';
import { callerOf, bearer, consistencyToken, errors, WRITE_ERRORS } from './route-helpers.ts';

const tags = ['users'];

export function registerUserRoutes(app: HttpApp, deps: GatewayDeps): void {
  app.post(
    '/users',
    { schema: { tags, summary: 'Create a user', body: CreateUserBody, response: { 201: User, ...errors(400, 409, 413, 503) } } },
    async (request, reply) => {
      const { value, position } = await createUser(deps, callerOf(request), request.body);
      consistencyToken(reply, position);
      return reply.code(201).send(value);
    },
  );

  app.get('/users', { schema: { tags, summary: 'Every user', response: { 200: z.array(User), ...errors(503) } } }, async () => deps.users.list());

  app.get('/users/:id', { schema: { tags, summary: 'One user', params: UserIdParam, response: { 200: User, ...errors(400, 404, 503) } } }, async (request) =>
    deps.users.get(request.params.id),
  );

  app.put(
    '/users/:id',
    {
      schema: { tags, summary: 'Change a user (with AUTH_REQUIRED: only yourself)', security: bearer, params: UserIdParam, body: UpdateUserBody, response: { 200: User, ...errors(...WRITE_ERRORS, 404, 409) } },
    },
    async (request, reply) => {
      const { value, position } = await updateUser(deps, callerOf(request), request.params.id, request.body);
      consistencyToken(reply, position);
      return value;
    },
  );

  app.delete(
    '/users/:id',
    { schema: { tags, summary: 'Delete a user (with AUTH_REQUIRED: only yourself)', security: bearer, params: UserIdParam, response: { 204: z.null().describe('deleted'), ...errors(...WRITE_ERRORS, 404) } } },
    async (request, reply) => {
      const { position } = await deleteUser(deps, callerOf(request), request.params.id);
      consistencyToken(reply, position);
      return reply.code(204).send(null);
    },
  );
}
