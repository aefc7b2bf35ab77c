// Log in, find the session behind a bearer token, log out. The password is
// checked by the users service (it alone holds the hashes); the gateway only
// keeps, in Redis, the hash of an opaque token, mapped to the user id.
import { randomBytes } from 'node:crypto';
import type { Account } from '@polyglot/contracts/api';
import { AppError } from '@polyglot/platform/errors';
import { loginAttemptsKey } from '../data-access/login-attempts.store.ts';
import { UpstreamError } from '../data-access/service-client.ts';
import type { GatewayDeps } from './gateway-deps.ts';

/** 429 with the seconds to wait, for the Retry-After header. */
export class RateLimitedError extends AppError {
  readonly retryAfterS: number;
  constructor(retryAfterS: number) {
    super('RATE_LIMITED', `too many login attempts; try again in ${retryAfterS} s`, { retryAfterS });
    this.retryAfterS = retryAfterS;
  }
}

export const LOG_IN_FIRST = 'log in first: POST /auth/login';

const unauthenticated = (why = LOG_IN_FIRST) => new AppError('UNAUTHENTICATED', why);

// 32 random bytes in base64url: 43 characters, nothing else is ever looked up.
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** The token of "Authorization: Bearer <token>", or null. */
export function bearerToken(authorization: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match && TOKEN_FORMAT.test(match[1]!) ? match[1]! : null;
}

/**
 * Counts one password check against the login limits, or 429: per address stops one
 * client trying many accounts, per email many clients guessing one account. Answers
 * the email's counter, to reset once the owner got in.
 */
async function countPasswordAttempt(deps: Pick<GatewayDeps, 'attempts' | 'config'>, email: string, clientAddress: string): Promise<string> {
  const { config } = deps;
  const emailKey = loginAttemptsKey('email', email.toLowerCase());
  for (const [key, max] of [
    [loginAttemptsKey('address', clientAddress), config.LOGIN_MAX_PER_ADDRESS],
    [emailKey, config.LOGIN_MAX_PER_EMAIL],
  ] as const) {
    const { count, resetInS } = await deps.attempts.hit(key, config.LOGIN_WINDOW_S);
    if (count > max) throw new RateLimitedError(resetInS);
  }
  return emailKey;
}

export async function logIn(
  deps: Pick<GatewayDeps, 'users' | 'sessions' | 'attempts' | 'config'>,
  credentials: { email: string; password: string },
  clientAddress: string,
): Promise<{ token: string; expiresAt: string; user: Account }> {
  const { config } = deps;
  const emailKey = await countPasswordAttempt(deps, credentials.email, clientAddress);
  const user = await deps.users.verifyCredentials(credentials.email, credentials.password);
  // The owner got in: their earlier typos should not lock them out later.
  await deps.attempts.reset(emailKey);
  const token = randomBytes(32).toString('base64url');
  await deps.sessions.create(token, user.id, config.SESSION_TTL_S);
  return { token, expiresAt: new Date(Date.now() + config.SESSION_TTL_S * 1000).toISOString(), user };
}

/** The user id of a valid session, or 401 UNAUTHENTICATED. */
export async function sessionUserId(deps: Pick<GatewayDeps, 'sessions'>, authorization: string | undefined): Promise<number> {
  const token = bearerToken(authorization);
  if (!token) throw unauthenticated();
  const userId = await deps.sessions.userId(token);
  if (userId === null) throw unauthenticated(`the session has expired or was ended; ${LOG_IN_FIRST}`);
  return userId;
}

/** The user id of the request's session, or null without a valid one (or when Redis does not answer): for what a read may show, never for a right. */
export async function sessionUserIdOrNull(deps: Pick<GatewayDeps, 'sessions'>, authorization: string | undefined): Promise<number | null> {
  const token = bearerToken(authorization);
  if (!token) return null;
  return deps.sessions.userId(token).catch(() => null);
}

/**
 * A signed-in user confirming their own password before a sensitive change (email,
 * password): the same limits as a login, so a stolen session cannot guess it faster.
 * Wrong: 401 INVALID_CREDENTIALS.
 */
export async function confirmPassword(deps: Pick<GatewayDeps, 'users' | 'attempts' | 'config'>, email: string, password: string, clientAddress: string): Promise<void> {
  const emailKey = await countPasswordAttempt(deps, email, clientAddress);
  try {
    await deps.users.verifyCredentials(email, password);
  } catch (error) {
    if (error instanceof UpstreamError && error.statusCode === 401) {
      throw new AppError('INVALID_CREDENTIALS', 'currentPassword is not your current password; give the password you log in with');
    }
    throw error;
  }
  await deps.attempts.reset(emailKey);
}

export async function currentUser(deps: Pick<GatewayDeps, 'sessions' | 'users'>, authorization: string | undefined): Promise<Account> {
  const userId = await sessionUserId(deps, authorization);
  try {
    return await deps.users.get(userId);
  } catch (error) {
    if (error instanceof UpstreamError && error.statusCode === 404) {
      // The user was deleted: their sessions die with them.
      await deps.sessions.revokeUser(userId);
      throw unauthenticated(`the session's user no longer exists; ${LOG_IN_FIRST}`);
    }
    throw error;
  }
}

export async function logOut(deps: Pick<GatewayDeps, 'sessions'>, authorization: string | undefined): Promise<void> {
  const token = bearerToken(authorization);
  if (!token) throw unauthenticated();
  await deps.sessions.remove(token);
}
