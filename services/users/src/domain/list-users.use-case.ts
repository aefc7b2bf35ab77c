import type { Account } from '@polyglot/contracts/api';
import type { UsersDeps } from './users-deps.ts';

/** The known users among ids, or a page of every user (after an id, at most limit); ordered by id. */
export function listUsers(deps: UsersDeps, query: { ids?: readonly number[] | undefined; after?: number | undefined; limit?: number | undefined }): Promise<Account[]> {
  if (query.ids !== undefined) return deps.users.list([...new Set(query.ids)]);
  return deps.users.page(query.after ?? 0, query.limit);
}
