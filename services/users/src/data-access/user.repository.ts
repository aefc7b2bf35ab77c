// The users table. Every statement is parameterised; the password hash is
// selected in one place only (findCredentialsByEmail), for verification.
import type pg from 'pg';
import type { User } from '@polyglot/contracts/api';
import { EmailTakenError } from '../domain/user-errors.ts';
import { guarded, isUnavailable } from './postgres-pool.ts';

const PUBLIC_COLUMNS = 'id, email, name, created_at, updated_at';
const EMAIL_UNIQUE_INDEX = 'users_email_lower_key';

interface UserRow {
  // bigserial: pg returns int8 as a string to avoid losing precision.
  id: string;
  email: string;
  name: string;
  created_at: Date;
  updated_at: Date;
}

/**
 * The result of a write, with its consistency position: the WAL insert position
 * taken inside the write's transaction, under the row's lock, just before the
 * change was written. The change's own LSN (Debezium's source.lsn) is at or
 * after it, and every earlier change of the same user is before it.
 */
export interface Written<T> {
  value: T;
  /** WAL bytes as a decimal string (pg_lsn - '0/0'), comparable with Debezium's source.lsn. */
  position: string;
}

export interface NewUser {
  email: string;
  name: string;
  hashedPassword: string;
}

export interface UserChanges {
  email: string;
  name: string;
  /** null: keep the stored hash. */
  hashedPassword: string | null;
}

function toUser(row: UserRow): User {
  return {
    id: Number(row.id),
    email: row.email,
    name: row.name,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

function isEmailConflict(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string } | undefined;
  return e?.code === '23505' && e.constraint === EMAIL_UNIQUE_INDEX;
}

export class UserRepository {
  private readonly pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  async insert(user: NewUser): Promise<Written<User>> {
    const { rows, position } = await this.write<UserRow>(
      null,
      `INSERT INTO users (email, name, hashed_password) VALUES ($1, $2, $3) RETURNING ${PUBLIC_COLUMNS}`,
      [user.email, user.name, user.hashedPassword],
      user.email,
    );
    return { value: toUser(rows[0]!), position };
  }

  async findById(id: number): Promise<User | null> {
    const result = await guarded(() => this.pool.query<UserRow>(`SELECT ${PUBLIC_COLUMNS} FROM users WHERE id = $1`, [id]));
    const row = result.rows[0];
    return row ? toUser(row) : null;
  }

  /** Every user, or only those with the given ids (unknown ids are skipped); ordered by id. */
  async list(ids?: readonly number[]): Promise<User[]> {
    const result = await guarded(() =>
      ids === undefined
        ? this.pool.query<UserRow>(`SELECT ${PUBLIC_COLUMNS} FROM users ORDER BY id`)
        : this.pool.query<UserRow>(`SELECT ${PUBLIC_COLUMNS} FROM users WHERE id = ANY($1::bigint[]) ORDER BY id`, [ids]),
    );
    return result.rows.map(toUser);
  }

  /** null when no user has this id. */
  async update(id: number, changes: UserChanges): Promise<Written<User> | null> {
    const { rows, position } = await this.write<UserRow>(
      id,
      `UPDATE users
          SET email = $2, name = $3, hashed_password = COALESCE($4, hashed_password), updated_at = now()
        WHERE id = $1
    RETURNING ${PUBLIC_COLUMNS}`,
      [id, changes.email, changes.name, changes.hashedPassword],
      changes.email,
    );
    const row = rows[0];
    return row ? { value: toUser(row), position } : null;
  }

  /** The WAL position after the delete, or null when no user had this id. */
  async delete(id: number): Promise<Written<number> | null> {
    const { rows, position } = await this.write<{ id: string }>(id, 'DELETE FROM users WHERE id = $1 RETURNING id', [id]);
    return rows.length > 0 ? { value: id, position } : null;
  }

  /** The only read of the hash: for verifying a password, never for a response. */
  async findCredentialsByEmail(email: string): Promise<{ user: User; hashedPassword: string } | null> {
    const result = await guarded(() =>
      this.pool.query<UserRow & { hashed_password: string }>(
        `SELECT ${PUBLIC_COLUMNS}, hashed_password FROM users WHERE lower(email) = lower($1)`,
        [email],
      ),
    );
    const row = result.rows[0];
    return row ? { user: toUser(row), hashedPassword: row.hashed_password } : null;
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  /**
   * Runs one write in a transaction that first locks the user's row (lockId; null for an
   * insert, whose row nobody else can see), then reads the WAL insert position: see Written.
   */
  private async write<R extends pg.QueryResultRow>(lockId: number | null, sql: string, params: unknown[], email?: string): Promise<{ rows: R[]; position: string }> {
    return guarded(async () => {
      const client = await this.pool.connect();
      let failure: Error | undefined;
      try {
        await client.query('BEGIN');
        if (lockId !== null) await client.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [lockId]);
        const lsn = await client.query<{ position: string }>(`SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::text AS position`);
        const result = await client.query<R>(sql, params);
        await client.query('COMMIT');
        return { rows: result.rows, position: lsn.rows[0]!.position };
      } catch (error) {
        failure = error as Error;
        await client.query('ROLLBACK').catch(() => undefined);
        if (email !== undefined && isEmailConflict(error)) throw new EmailTakenError(email);
        throw error;
      } finally {
        // A connection that broke mid-query is discarded rather than handed to the next request.
        client.release(failure !== undefined && isUnavailable(failure) ? failure : undefined);
      }
    });
  }
}
