// Writes that name users (authors, commenters, followers) check them at the
// source of truth, the users service, not the cache: a profile the cache still
// holds may have been deleted a moment ago.
import type { User } from '@polyglot/contracts/api';
import { NotFoundError } from '@polyglot/platform/errors';
import type { UsersClient } from '../data-access/users.client.ts';

/** The named users, in order, or 404 USER_NOT_FOUND naming the first that is missing. */
export async function requireUsers(users: UsersClient, wanted: ReadonlyArray<{ id: number; field: string }>): Promise<User[]> {
  const found = new Map((await users.findMany([...new Set(wanted.map((w) => w.id))])).map((u) => [u.id, u]));
  return wanted.map(({ id, field }) => {
    const user = found.get(id);
    if (!user) throw new NotFoundError('USER_NOT_FOUND', `${field} ${id} is not a user`, { id });
    return user;
  });
}
