// Writes to accounts: the users service does them; with sessions required, a
// user may change or delete only themselves.
import type { CreateUserBody, UpdateUserBody, User } from '@polyglot/contracts/api';
import type { Written } from '../data-access/service-client.ts';
import { assertOwner } from './authorize.ts';
import type { Caller, GatewayDeps } from './gateway-deps.ts';

type Deps = Pick<GatewayDeps, 'users'>;

export function createUser(deps: Deps, caller: Caller, body: CreateUserBody): Promise<Written<User>> {
  return deps.users.create(body, caller.traceparent);
}

export function updateUser(deps: Deps, caller: Caller, id: number, body: UpdateUserBody): Promise<Written<User>> {
  assertOwner(caller.actor, id, `user ${id}`);
  return deps.users.update(id, body, caller.traceparent);
}

export function deleteUser(deps: Deps, caller: Caller, id: number): Promise<Written<null>> {
  assertOwner(caller.actor, id, `user ${id}`);
  return deps.users.remove(id, caller.traceparent);
}
