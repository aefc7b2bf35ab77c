import type { Written } from '../data-access/user.repository.ts';
import { UserNotFoundError } from './user-errors.ts';
import type { UsersDeps } from './users-deps.ts';

export async function deleteUser(deps: UsersDeps, id: number): Promise<Written<number>> {
  const written = await deps.users.delete(id);
  if (!written) throw new UserNotFoundError(id);
  return written;
}
