// GET /users/:id and the GraphQL user: the profile the cache projection keeps,
// or, for a reader that must see its own write (a token, or strong), the users
// service itself. A profile the cache lacks is read from the source and filled.
import type { Account, User } from '@polyglot/contracts/api';
import type { GatewayDeps } from './gateway-deps.ts';

/** cache: eventual, the profile cache first; source: PostgreSQL through the users service, always current. */
export type UserReadFrom = 'cache' | 'source';

export async function getUser(deps: Pick<GatewayDeps, 'users' | 'userCache'>, id: number, from: UserReadFrom): Promise<User | Account> {
  if (from === 'cache') {
    const cached = await deps.userCache.getOne(id);
    if (cached) return cached;
  }
  const user = await deps.users.get(id);
  await deps.userCache.fill([user]);
  return user;
}
