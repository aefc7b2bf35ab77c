// Ownership rules for writes when sessions are required: a session may
// change only its own user's data; operators' endpoints need an admin.
import { AppError } from '@polyglot/platform/errors';
import type { Actor, GatewayDeps } from './gateway-deps.ts';
import { bearerToken, currentUser } from './sessions.use-case.ts';

/** Throws 403 FORBIDDEN unless there is no session requirement or the actor is the owner. */
export function assertOwner(actor: Actor, ownerId: number, what: string): void {
  if (actor === null || actor === ownerId) return;
  throw new AppError('FORBIDDEN', `you are logged in as user ${actor}; ${what} belongs to user ${ownerId}, so you may not change it`, { actor, ownerId });
}

/** The admin a request was allowed as, or null when AUTH_REQUIRED is off (then anyone may). */
export type Admin = { userId: number; email: string } | null;

/**
 * Fault, lab and reconcile endpoints: with AUTH_REQUIRED on, only a session
 * whose user has the admin role passes (401 UNAUTHENTICATED without a session,
 * 403 ADMIN_REQUIRED for anyone else). The role is read from the users service
 * on every check, never from the session or the email: no one becomes an admin
 * by registering or renaming an account, only by ./stackctl admin grant EMAIL.
 * Off, everyone may, as for writes.
 */
export async function requireAdmin(deps: Pick<GatewayDeps, 'config' | 'sessions' | 'users'>, authorization: string | undefined): Promise<Admin> {
  if (!deps.config.AUTH_REQUIRED) return null;
  const user = await currentUser(deps, authorization);
  if (user.role !== 'admin') {
    throw new AppError('ADMIN_REQUIRED', `you are logged in as user ${user.id}, who is not an admin; an operator grants admin with ./stackctl admin grant EMAIL`, { userId: user.id });
  }
  return { userId: user.id, email: user.email.toLowerCase() };
}

/** Who asks, for the record: the session's user when the request carries a valid one, and always the client address. Never throws. */
export async function whoIsAsking(
  deps: Pick<GatewayDeps, 'sessions' | 'users'>,
  request: { authorization: string | undefined; address: string; admin: Admin },
): Promise<{ userId: number | null; email: string | null; address: string }> {
  if (request.admin) return { ...request.admin, address: request.address };
  if (bearerToken(request.authorization) === null) return { userId: null, email: null, address: request.address };
  try {
    const user = await currentUser(deps, request.authorization);
    return { userId: user.id, email: user.email.toLowerCase(), address: request.address };
  } catch {
    return { userId: null, email: null, address: request.address };
  }
}
