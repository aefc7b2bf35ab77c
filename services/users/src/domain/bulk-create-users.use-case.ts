import type { BulkUsersBody, BulkUsersResult } from '@polyglot/contracts/seed';
import type { UsersDeps } from './users-deps.ts';

/**
 * The seed's users, in one insert: 100,000 Argon2id hashes would cost about half an hour of CPU, so the
 * batch shares one hash of its password, made here (hashes never leave this service).
 */
export async function bulkCreateUsers(deps: UsersDeps, input: BulkUsersBody): Promise<BulkUsersResult> {
  const hashedPassword = await deps.passwords.hash(input.password);
  const { created, ids } = await deps.users.insertMany(input.users, hashedPassword);
  return { created, users: ids };
}
