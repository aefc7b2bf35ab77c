import type { Account, CreateUserBody } from '@polyglot/contracts/api';
import type { Written } from '../data-access/user.repository.ts';
import type { UsersDeps } from './users-deps.ts';

/** Stores a new user with an Argon2id hash of the password; a taken email (any case) is EMAIL_TAKEN. */
export async function createUser(deps: UsersDeps, input: CreateUserBody): Promise<Written<Account>> {
  // No look-up before the insert: the unique index on lower(email) decides, so two racing sign-ups cannot both win.
  const hashedPassword = await deps.passwords.hash(input.password);
  return deps.users.insert({ email: input.email, name: input.name, hashedPassword });
}
