// /users: thin handlers; the schemas (from the contracts) validate the input
// and shape the output, the use cases do the rest. Each user is answered with
// their role (for the gateway's admin check); no body can set it.
import { z } from 'zod';
import { Account, CreateUserBody, ErrorBody, ListUsersQuery, UpdateUserBody, UserIdParam } from '@polyglot/contracts/api';
import type { HttpApp } from '@polyglot/platform/http-app';
import { createUser } from '../domain/create-user.use-case.ts';
import { deleteUser } from '../domain/delete-user.use-case.ts';
import { getUser } from '../domain/get-user.use-case.ts';
import { listUsers } from '../domain/list-users.use-case.ts';
import { updateUser } from '../domain/update-user.use-case.ts';
import type { UsersDeps } from '../domain/users-deps.ts';
import type { ConsistencyToken } from '@polyglot/contracts/consistency';
import { withConsistencyToken } from '@polyglot/platform/consistency-token';

export function registerUserRoutes(app: HttpApp, deps: UsersDeps): void {
  app.post('/users', {
    schema: {
      summary: 'Create a user (the password is stored as an Argon2id hash)',
      body: CreateUserBody,
      response: { 201: Account, 400: ErrorBody, 409: ErrorBody, 413: ErrorBody, 503: ErrorBody },
    },
    handler: async (request, reply) => {
      const { value, position } = await createUser(deps, request.body);
      return withConsistencyToken(reply, userToken(value.id, position)).status(201).send(value);
    },
  });

  app.get('/users', {
    schema: {
      summary: 'List users ordered by id, all of them or only the given ids',
      querystring: ListUsersQuery,
      response: { 200: z.array(Account), 400: ErrorBody, 503: ErrorBody },
    },
    handler: async (request) => listUsers(deps, request.query),
  });

  app.get('/users/:id', {
    schema: {
      summary: 'One user',
      params: UserIdParam,
      response: { 200: Account, 400: ErrorBody, 404: ErrorBody, 503: ErrorBody },
    },
    handler: async (request) => getUser(deps, request.params.id),
  });

  app.put('/users/:id', {
    schema: {
      summary: 'Replace email and name; the password changes only when a non-empty one is given',
      params: UserIdParam,
      body: UpdateUserBody,
      response: { 200: Account, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 413: ErrorBody, 503: ErrorBody },
    },
    handler: async (request, reply) => {
      const { value, position } = await updateUser(deps, request.params.id, request.body);
      return withConsistencyToken(reply, userToken(value.id, position)).status(200).send(value);
    },
  });

  app.delete('/users/:id', {
    schema: {
      summary: 'Delete a user',
      params: UserIdParam,
      response: { 204: z.null().describe('deleted'), 400: ErrorBody, 404: ErrorBody, 503: ErrorBody },
    },
    handler: async (request, reply) => {
      const { position } = await deleteUser(deps, request.params.id);
      return withConsistencyToken(reply, userToken(request.params.id, position)).status(204).send(null);
    },
  });
}

/** The change's place in the WAL, for the user it is about (see Written in user.repository.ts). */
function userToken(id: number, position: string): ConsistencyToken {
  return { source: 'users', entityId: String(id), position: Number(position) };
}
