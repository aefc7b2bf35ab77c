// The users table. Every statement is parameterised; the password hash is
// selected in one place only (findCredentialsByEmail), for verification. The
// role is written in one place only (setRoleByEmail), which no route calls:
// ./stackctl admin grant|revoke does, with the database's own credentials.
import type pg from 'pg';
import type { Account, Role, UserOrder } from '@polyglot/contracts/api';
import { AppError, isStoreUnavailable } from '@polyglot/platform/errors';
import { storeWrite, traceparentOf } from '@polyglot/platform/tracing';
import { guarded } from './postgres-pool.ts';

const PUBLIC_COLUMNS = 'id, email, name, role, created_at, updated_at';
const qualified = (table: string) => PUBLIC_COLUMNS.split(', ').map((c) => `${table}.${c}`).join(', ');

// The WAL insert position as WAL bytes (a decimal string, comparable with Debezium's source.lsn).
const POSITION = `pos AS (SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::text AS position)`;
// The same, read only once the row ($1) is locked: every earlier change of this user is then in the WAL before it.
const LOCKED_POSITION = `locked AS (SELECT id FROM users WHERE id = $1 FOR UPDATE),
     pos AS (SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::text AS position FROM locked)`;
const EMAIL_UNIQUE_INDEX = 'users_email_lower_key';

/** The unique index on lower(email) refused a second account with this email. */
export class EmailTakenError extends AppError {
  constructor(email: string) {
    super('EMAIL_TAKEN', `a user with email ${email} already exists; log in or use another email`);
  }
}

interface UserRow {
  // bigserial: pg returns int8 as a string to avoid losing precision.
  id: string;
  email: string;
  name: string;
  role: Role;
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

function toUser(row: UserRow): Account {
  return {
    id: Number(row.id),
    email: row.email,
    name: row.name,
    role: row.role,
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

  async insert(user: NewUser): Promise<Written<Account>> {
    const { rows, position } = await this.write<UserRow>(
      'INSERT',
      `WITH ${POSITION} INSERT INTO users (email, name, hashed_password, traceparent) SELECT $1, $2, $3, $4 FROM pos RETURNING ${PUBLIC_COLUMNS}, (SELECT position FROM pos)`,
      [user.email, user.name, user.hashedPassword, traceparentOf() ?? null],
      user.email,
    );
    return { value: toUser(rows[0]!), position };
  }

  /**
   * The seed's bulk path: one INSERT for the whole batch, every row with the same hash; an email
   * already taken (any case) is left as it is. Answers the id of every email of the batch.
   */
  async insertMany(users: ReadonlyArray<{ email: string; name: string }>, hashedPassword: string): Promise<{ created: number; ids: Array<{ id: number; email: string }> }> {
    const emails = users.map((u) => u.email);
    const inserted = await this.write<{ id: string }>(
      'INSERT',
      `INSERT INTO users (email, name, hashed_password) SELECT email, name, $3 FROM unnest($1::text[], $2::text[]) AS u(email, name) ON CONFLICT DO NOTHING RETURNING id`,
      [emails, users.map((u) => u.name), hashedPassword],
    );
    const found = await guarded(() => this.pool.query<{ id: string; email: string }>(`SELECT id, email FROM users WHERE lower(email) = ANY($1::text[])`, [emails.map((e) => e.toLowerCase())]));
    return { created: inserted.rows.length, ids: found.rows.map((r) => ({ id: Number(r.id), email: r.email })) };
  }

  async findById(id: number): Promise<Account | null> {
    const result = await guarded(() => this.pool.query<UserRow>(`SELECT ${PUBLIC_COLUMNS} FROM users WHERE id = $1`, [id]));
    const row = result.rows[0];
    return row ? toUser(row) : null;
  }

  /** The users with the given ids (unknown ids are skipped), by id. */
  async list(ids: readonly number[]): Promise<Account[]> {
    const result = await guarded(() => this.pool.query<UserRow>(`SELECT ${PUBLIC_COLUMNS} FROM users WHERE id = ANY($1::bigint[]) ORDER BY id`, [ids]));
    return result.rows.map(toUser);
  }

  /**
   * A page of every user: by id past `after`, or newest first below it; at most `limit` (all of them
   * without one). Both walk the primary key's index.
   */
  async page(query: { after: number | undefined; limit: number | undefined; order: UserOrder }): Promise<Account[]> {
    const sql =
      query.order === 'newest'
        ? `SELECT ${PUBLIC_COLUMNS} FROM users WHERE id < COALESCE($1::bigint, 9223372036854775807) ORDER BY id DESC LIMIT $2`
        : `SELECT ${PUBLIC_COLUMNS} FROM users WHERE id > COALESCE($1::bigint, 0) ORDER BY id LIMIT $2`;
    const result = await guarded(() => this.pool.query<UserRow>(sql, [query.after ?? null, query.limit ?? null]));
    return result.rows.map(toUser);
  }

  /** null when no user has this id. */
  async update(id: number, changes: UserChanges): Promise<Written<Account> | null> {
    const { rows, position } = await this.write<UserRow>(
      'UPDATE',
      `WITH ${LOCKED_POSITION}
       UPDATE users
          SET email = $2, name = $3, hashed_password = COALESCE($4, hashed_password), updated_at = now(), traceparent = $5
         FROM pos
        WHERE users.id = $1
    RETURNING ${qualified('users')}, pos.position`,
      [id, changes.email, changes.name, changes.hashedPassword, traceparentOf() ?? null],
      changes.email,
    );
    const row = rows[0];
    return row ? { value: toUser(row), position } : null;
  }

  /**
   * The WAL position after the delete, or null when no user had this id. Inside a trace, the row is
   * first stamped with the delete's trace context, in the same transaction, so that Debezium's delete
   * record (its before-image) carries it; the stamp's own update record changes nothing else, and
   * normalizeUserChange passes over it.
   */
  async delete(id: number): Promise<Written<number> | null> {
    const traceparent = traceparentOf();
    const sql = `WITH ${LOCKED_POSITION} DELETE FROM users USING pos WHERE users.id = $1 RETURNING users.id, pos.position`;
    const { rows, position } = traceparent
      ? await this.write<{ id: string }>('DELETE', sql, [id], undefined, { sql: 'UPDATE users SET traceparent = $2 WHERE id = $1', params: [id, traceparent] })
      : await this.write<{ id: string }>('DELETE', sql, [id]);
    return rows.length > 0 ? { value: id, position } : null;
  }

  /**
   * Which of these users exist, and a WAL position that names the state they are in: the history
   * checker's read of PostgreSQL (docs/history-checker.md). The rows are locked FOR KEY SHARE, which
   * waits for a writer holding the row's FOR UPDATE lock (every update and delete takes it before its
   * token, and keeps it until commit), and the position is read only once every lock is held. So every
   * write of these users whose token is below the position had committed (the rows show it) and every
   * later one takes its token after it: the latest token at or below the position names the state shown.
   * A row is not read as the change's own LSN, which PostgreSQL does not keep.
   */
  async observe(ids: readonly number[]): Promise<{ present: number[]; position: string }> {
    const result = await guarded(() =>
      this.pool.query<{ id: string | null; position: string }>(
        `WITH locked AS (SELECT id FROM users WHERE id = ANY($1::bigint[]) ORDER BY id FOR KEY SHARE),
              pos AS (SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::text AS position FROM (SELECT count(*) FROM locked) AS every_lock)
         SELECT locked.id, pos.position FROM pos LEFT JOIN locked ON true`,
        [ids],
      ),
    );
    return { present: result.rows.flatMap((r) => (r.id === null ? [] : [Number(r.id)])), position: result.rows[0]?.position ?? '0' };
  }

  /** The only read of the hash: for verifying a password, never for a response. */
  async findCredentialsByEmail(email: string): Promise<{ user: Account; hashedPassword: string } | null> {
    const result = await guarded(() =>
      this.pool.query<UserRow & { hashed_password: string }>(
        `SELECT ${PUBLIC_COLUMNS}, hashed_password FROM users WHERE lower(email) = lower($1)`,
        [email],
      ),
    );
    const row = result.rows[0];
    return row ? { user: toUser(row), hashedPassword: row.hashed_password } : null;
  }

  /**
   * Gives the user with this email (any case) the role. Answers their id, email and the
   * role they had, or null when no user has the email. Writes only when the role changes.
   */
  async setRoleByEmail(email: string, role: Role): Promise<{ id: number; email: string; previous: Role } | null> {
    const result = await guarded(() =>
      this.pool.query<{ id: string; email: string; previous: Role }>(
        `WITH target AS (SELECT id, email, role FROM users WHERE lower(email) = lower($1) FOR UPDATE),
              changed AS (UPDATE users SET role = $2 FROM target WHERE users.id = target.id AND target.role <> $2 RETURNING users.id)
         SELECT target.id, target.email, target.role AS previous FROM target`,
        [email, role],
      ),
    );
    const row = result.rows[0];
    return row ? { id: Number(row.id), email: row.email, previous: row.previous } : null;
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  /**
   * Runs one write statement (autocommitted, one round trip) that also answers its position
   * (see Written): the statement's CTEs lock the row, then read the WAL insert position, and
   * the change is written only from their output, so after both. A statement to run `before` it
   * makes a transaction of the two (the delete's trace stamp). Inside a trace, it is a span.
   */
  private async write<R extends pg.QueryResultRow>(
    operation: 'INSERT' | 'UPDATE' | 'DELETE',
    sql: string,
    params: unknown[],
    email?: string,
    before?: { sql: string; params: unknown[] },
  ): Promise<{ rows: Array<R & { position: string }>; position: string }> {
    return storeWrite('postgresql', operation, 'users', () =>
      guarded(async () => {
        const client = await this.pool.connect();
        let failure: Error | undefined;
        try {
          if (!before) {
            const result = await client.query<R & { position: string }>(sql, params);
            return { rows: result.rows, position: result.rows[0]?.position ?? '' };
          }
          await client.query('BEGIN');
          try {
            await client.query(before.sql, before.params);
            const result = await client.query<R & { position: string }>(sql, params);
            await client.query('COMMIT');
            return { rows: result.rows, position: result.rows[0]?.position ?? '' };
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw error;
          }
        } catch (error) {
          failure = error as Error;
          if (email !== undefined && isEmailConflict(error)) throw new EmailTakenError(email);
          throw error;
        } finally {
          // A connection that broke mid-query is discarded rather than handed to the next request.
          client.release(failure !== undefined && isStoreUnavailable(failure) ? failure : undefined);
        }
      }),
    );
  }
}
