import type { Account } from '@polyglot/contracts/api';
import { UserNotFoundError } from './user-errors.ts';
import type { UsersDeps } from './users-deps.ts';

export async function getUser(deps: UsersDeps, id: number): Promise<Account> {
  const user = await deps.users.findById(id);
  if (!user) throw new UserNotFoundError(id);
  return user;
}
