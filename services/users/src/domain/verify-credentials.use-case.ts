import type { Account } from '@polyglot/contracts/api';
import { InvalidCredentialsError } from './user-errors.ts';
import type { UsersDeps } from './users-deps.ts';

/** The user whose email (any case) and password match; otherwise INVALID_CREDENTIALS, the same either way. */
export async function verifyCredentials(deps: UsersDeps, email: string, password: string): Promise<Account> {
  const found = await deps.users.findCredentialsByEmail(email);
  // An unknown email still costs one Argon2id verification, so response time does not reveal which emails exist.
  const ok = found ? await deps.passwords.verify(found.hashedPassword, password) : await deps.passwords.verifyAgainstDummy(password);
  if (!found || !ok) throw new InvalidCredentialsError();
  return found.user;
}
