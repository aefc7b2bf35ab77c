// Log in, find the session behind a bearer token, log out. The password is
// checked by the users service (it alone holds the hashes); the gateway only
// keeps an opaque token in Redis that maps to the user id.
import { randomBytes } from 'node:crypto';
import type { User } from '@polyglot/contracts/api';
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

export async function logIn(
  deps: Pick<GatewayDeps, 'users' | 'sessions' | 'attempts' | 'config'>,
  credentials: { email: string; password: string },
  clientAddress: string,
): Promise<{ token: string; expiresAt: string; user: User }> {
  const { config } = deps;
  // Per address stops one client trying many accounts; per email stops many clients guessing one account.
  const emailKey = loginAttemptsKey('email', credentials.email.toLowerCase());
  for (const [key, max] of [
    [loginAttemptsKey('address', clientAddress), config.LOGIN_MAX_PER_ADDRESS],
    [emailKey, config.LOGIN_MAX_PER_EMAIL],
  ] as const) {
    const { count, resetInS } = await deps.attempts.hit(key, config.LOGIN_WINDOW_S);
    if (count > max) throw new RateLimitedError(resetInS);
  }
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

export async function currentUser(deps: Pick<GatewayDeps, 'sessions' | 'users'>, authorization: string | undefined): Promise<User> {
  const userId = await sessionUserId(deps, authorization);
  try {
    return await deps.users.get(userId);
  } catch (error) {
    if (error instanceof UpstreamError && error.statusCode === 404) {
      // The user was deleted: the session dies with them.
      await deps.sessions.remove(bearerToken(authorization)!);
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
