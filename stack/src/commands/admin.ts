// ./stackctl admin grant|revoke EMAIL: the only way a user becomes an admin (the
// faults, the lab and the reconciler when AUTH_REQUIRED is on), or stops being
// one. No API can: the role is written straight into PostgreSQL, through the
// users service's own repository, with the database's credentials, which only
// the person running the stack holds. Then every session of the user ends, so
// the change holds from the next request on and no session outlives it.
import pg from 'pg';
import type { Role } from '@polyglot/contracts/api';
import { urls } from '@polyglot/contracts/endpoints';
import { connectSessionStore } from '@polyglot/gateway/data-access/session.store';
import { UserRepository } from '@polyglot/users/data-access/user.repository';
import { StackError } from '../errors.ts';
import { info } from '../progress.ts';

export const ADMIN_HELP = `  admin grant|revoke EMAIL           make the user with EMAIL an admin (faults, lab, reconciler when the gateway
                                     runs with AUTH_REQUIRED), or a plain user again; ends the user's sessions`;

/** Where the stack's users database and the gateway's sessions are (the gateway's STATE_REDIS_URL). */
export interface AdminConnections {
  databaseUrl: string;
  sessionsRedisUrl: string;
}

export function adminConnections(env: NodeJS.ProcessEnv = process.env): AdminConnections {
  return { databaseUrl: env.DATABASE_URL ?? urls.postgres, sessionsRedisUrl: env.STATE_REDIS_URL ?? urls.redisState };
}

export interface RoleChange {
  userId: number;
  email: string;
  role: Role;
  previous: Role;
  /** Sessions ended (those already expired included). */
  sessionsEnded: number;
}

/**
 * Gives the user with this email (any case) the role and ends their sessions. Run
 * again, it changes nothing in PostgreSQL and ends the sessions again, so a run that
 * failed half-way is finished by running it once more.
 */
export async function setRole(email: string, role: Role, connections: AdminConnections = adminConnections()): Promise<RoleChange> {
  const pool = new pg.Pool({ connectionString: connections.databaseUrl, max: 1, connectionTimeoutMillis: 3000, application_name: 'stackctl-admin' });
  let found: Awaited<ReturnType<UserRepository['setRoleByEmail']>>;
  try {
    found = await new UserRepository(pool).setRoleByEmail(email, role);
  } catch (error) {
    throw new StackError('ADMIN_FAILED', `cannot change the role in the users database (${(error as Error).message}); is PostgreSQL up (./stackctl status)?`, { cause: error });
  } finally {
    await pool.end();
  }
  if (found === null) throw new StackError('NO_SUCH_USER', `no user has the email ${email}; the person signs up first (POST /users), then run this again`);

  const store = connectSessionStore(connections.sessionsRedisUrl);
  try {
    const sessionsEnded = await store.sessions.revokeUser(found.id);
    return { userId: found.id, email: found.email, role, previous: found.previous, sessionsEnded };
  } catch (error) {
    throw new StackError('ADMIN_FAILED', `user ${found.id} is now ${role === 'admin' ? 'an admin' : 'a plain user'}, but their sessions could not be ended (${(error as Error).message}); start the state Redis (./stackctl start redis-state) and run this again`, { cause: error });
  } finally {
    await store.close();
  }
}

export async function adminCommand(args: readonly string[]): Promise<number> {
  const [action, email, ...extra] = args;
  if ((action !== 'grant' && action !== 'revoke') || email === undefined || extra.length > 0 || !/^[^\s@]+@[^\s@]+$/.test(email)) {
    throw new StackError('BAD_ARGUMENT', 'usage: ./stackctl admin grant EMAIL, or ./stackctl admin revoke EMAIL', { exitCode: 2 });
  }
  const role: Role = action === 'grant' ? 'admin' : 'user';
  info(`${action === 'grant' ? 'granting admin to' : 'revoking admin from'} ${email}`);
  const change = await setRole(email, role);
  const what = change.previous === role ? `was already ${role === 'admin' ? 'an admin' : 'not an admin'}` : role === 'admin' ? 'is now an admin' : 'is no longer an admin';
  process.stdout.write(`User ${change.userId} (${change.email}) ${what}; ${change.sessionsEnded === 0 ? 'no session to end' : `${change.sessionsEnded} session${change.sessionsEnded === 1 ? '' : 's'} ended`}: they log in again.\n`);
  return 0;
}
