// Writes to accounts: the users service does them; with sessions required, a
// user may change or delete only themselves, and changing the email or the
// password needs the current password. A password change or a deletion ends
// every session of the user.
import type { Account, CreateUserBody, UpdateUserBody } from '@polyglot/contracts/api';
import { AppError } from '@polyglot/platform/errors';
import type { Written } from '../data-access/service-client.ts';
import { assertOwner } from './authorize.ts';
import type { Caller, GatewayDeps } from './gateway-deps.ts';
import { confirmPassword } from './sessions.use-case.ts';

type Deps = Pick<GatewayDeps, 'users' | 'sessions' | 'attempts' | 'config'>;

export function createUser(deps: Pick<GatewayDeps, 'users'>, caller: Caller, body: CreateUserBody): Promise<Written<Account>> {
  return deps.users.create(body);
}

const changesPassword = (body: UpdateUserBody) => body.password !== undefined && body.password !== null && body.password !== '';

/**
 * With sessions required (caller.actor set), a new email or password needs the
 * current password (403 CURRENT_PASSWORD_REQUIRED, 401 INVALID_CREDENTIALS when
 * wrong): a session left open on a shared machine must not be enough to take
 * the account over. `address` is the client's, for the login limits.
 */
export async function updateUser(deps: Deps, caller: Caller, id: number, body: UpdateUserBody, address: string): Promise<Written<Account>> {
  assertOwner(caller.actor, id, `user ${id}`);
  // The current password is checked here and goes no further.
  const { currentPassword, ...changes } = body;
  if (caller.actor !== null) {
    const stored = await deps.users.get(id);
    if (changes.email !== stored.email || changesPassword(changes)) {
      if (currentPassword === undefined) {
        throw new AppError('CURRENT_PASSWORD_REQUIRED', 'changing your email or password needs your current password: add currentPassword to the body');
      }
      await confirmPassword(deps, stored.email, currentPassword, address);
    }
  }
  const written = await deps.users.update(id, changes);
  if (changesPassword(changes)) await deps.sessions.revokeUser(id);
  return written;
}

export async function deleteUser(deps: Pick<GatewayDeps, 'users' | 'sessions'>, caller: Caller, id: number): Promise<Written<null>> {
  assertOwner(caller.actor, id, `user ${id}`);
  const written = await deps.users.remove(id);
  await deps.sessions.revokeUser(id);
  return written;
}
