import type { Account, UserOrder } from '@polyglot/contracts/api';
import type { UsersDeps } from './users-deps.ts';

/** The known users among ids (by id), or a page of every user: past `after` in the order, at most limit. */
export function listUsers(deps: UsersDeps, query: { ids?: readonly number[] | undefined; after?: number | undefined; limit?: number | undefined; order?: UserOrder | undefined }): Promise<Account[]> {
  if (query.ids !== undefined) return deps.users.list([...new Set(query.ids)]);
  return deps.users.page({ after: query.after, limit: query.limit, order: query.order ?? 'id' });
}
