import type { Account, UpdateUserBody } from '@polyglot/contracts/api';
import type { Written } from '../data-access/user.repository.ts';
import { UserNotFoundError } from './user-errors.ts';
import type { UsersDeps } from './users-deps.ts';

/** Replaces email and name; the password changes only when a non-empty one is given. */
export async function updateUser(deps: UsersDeps, id: number, input: UpdateUserBody): Promise<Written<Account>> {
  const newPassword = input.password === undefined || input.password === null || input.password === '' ? null : input.password;
  const hashedPassword = newPassword === null ? null : await deps.passwords.hash(newPassword);
  const written = await deps.users.update(id, { email: input.email, name: input.name, hashedPassword });
  if (!written) throw new UserNotFoundError(id);
  return written;
}
