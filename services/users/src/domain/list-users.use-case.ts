import type { Account } from '@polyglot/contracts/api';
import type { UsersDeps } from './users-deps.ts';

/** Every user, or the known ones among ids; ordered by id. */
export function listUsers(deps: UsersDeps, ids?: readonly number[]): Promise<Account[]> {
  return deps.users.list(ids === undefined ? undefined : [...new Set(ids)]);
}
