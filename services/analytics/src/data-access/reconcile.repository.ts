// What the reconciler needs from the events hypertable: per entity, the
// lifecycle the rows record (computed in SQL, one snapshot), and the repair:
// appending the missing lifecycle rows, each marked as reconciled.
//
// An appended row's key is derived from what it follows (the entity's latest
// row), and its time is that row's time + 1 ms (or the entity's creation time
// for a first row): repeating a repair computes the same (event_id, time), so
// ON CONFLICT makes it a no-op, and a row is only appended while the rows
// still say it is needed.
import type pg from 'pg';
import type { AnalyticsListing, AnalyticsPage, AnalyticsRepair, AnalyticsRepairResult, ReconcileKind, ReconcileScope, ReconcileTotals } from '@polyglot/contracts/reconcile';
import { inTransaction } from '@polyglot/platform/postgres-pool';
import { guarded } from './timescale-pool.ts';

// Rows recorded before events had identity columns fall back to their user_id or properties.
const USER_ENTITY = `coalesce(entity_id, user_id::text)`;
const POST_ENTITY = `coalesce(entity_id, properties->>'_id')`;
const FOLLOWER = `(properties->>'followerId')`;
const FOLLOWEE = `(properties->>'followeeId')`;
// "Latest" is by source position (increasing per entity), then time; a legacy row without a position is the oldest.
const NEWEST_FIRST = 'position DESC NULLS LAST, time DESC';

const USERS_SQL = `
  SELECT DISTINCT ON (entity) entity, event_type, position, time, event_id,
         bool_or(event_type = 'USER_CREATED') OVER (PARTITION BY entity) AS created
  FROM (SELECT ${USER_ENTITY} AS entity, event_type, position, time, event_id
        FROM events
        WHERE event_type IN ('USER_CREATED', 'USER_UPDATED', 'USER_DELETED')) e
  WHERE entity IS NOT NULL AND ($1::text[] IS NULL OR entity = ANY($1::text[]))
  ORDER BY entity, ${NEWEST_FIRST}`;

const POSTS_SQL = `
  SELECT DISTINCT ON (entity) entity, event_type, position, time, event_id,
         bool_or(event_type = 'POST_CREATED') OVER (PARTITION BY entity) AS created,
         bool_or(event_type = 'POST_DELETED') OVER (PARTITION BY entity) AS deleted
  FROM (SELECT ${POST_ENTITY} AS entity, event_type, position, time, event_id
        FROM events
        WHERE event_type IN ('POST_CREATED', 'POST_DELETED')) e
  WHERE entity IS NOT NULL AND ($1::text[] IS NULL OR entity = ANY($1::text[]))
  ORDER BY entity, ${NEWEST_FIRST}`;

const FOLLOWS_SQL = `
  SELECT DISTINCT ON (follower, followee) follower, followee, event_type, position, time, event_id
  FROM (SELECT ${FOLLOWER}::bigint AS follower, ${FOLLOWEE}::bigint AS followee, event_type, position, time, event_id
        FROM events
        WHERE event_type IN ('FOLLOW_CREATED', 'FOLLOW_DELETED')
          AND ${FOLLOWER} ~ '^[0-9]{1,15}$' AND ${FOLLOWEE} ~ '^[0-9]{1,15}$') e
  WHERE $1::text[] IS NULL OR (follower || '->' || followee) = ANY($1::text[])
  ORDER BY follower, followee, ${NEWEST_FIRST}`;

// Scoped (the incremental check): through the (event_type, entity_id) index. Rows recorded before events had
// identity columns have no entity_id; only the full listing compares them.
const SCOPED_USERS_SQL = `
  SELECT DISTINCT ON (entity_id) entity_id AS entity, event_type, position, time, event_id,
         bool_or(event_type = 'USER_CREATED') OVER (PARTITION BY entity_id) AS created
  FROM events
  WHERE event_type IN ('USER_CREATED', 'USER_UPDATED', 'USER_DELETED') AND entity_id = ANY($1::text[])
  ORDER BY entity_id, ${NEWEST_FIRST}`;

const SCOPED_POSTS_SQL = `
  SELECT DISTINCT ON (entity_id) entity_id AS entity, event_type, position, time, event_id,
         bool_or(event_type = 'POST_CREATED') OVER (PARTITION BY entity_id) AS created,
         bool_or(event_type = 'POST_DELETED') OVER (PARTITION BY entity_id) AS deleted
  FROM events
  WHERE event_type IN ('POST_CREATED', 'POST_DELETED') AND entity_id = ANY($1::text[])
  ORDER BY entity_id, ${NEWEST_FIRST}`;

// A follow's rows carry the follower as their entity: the follows of $1 (followers) through the entity index,
// only the pairs $2 when it is not null.
const FOLLOWS_OF_SQL = `
  SELECT DISTINCT ON (follower, followee) follower, followee, event_type, position, time, event_id
  FROM (SELECT ${FOLLOWER}::bigint AS follower, ${FOLLOWEE}::bigint AS followee, event_type, position, time, event_id
        FROM events
        WHERE event_type IN ('FOLLOW_CREATED', 'FOLLOW_DELETED') AND entity_id = ANY($1::text[])
          AND ${FOLLOWER} ~ '^[0-9]{1,15}$' AND ${FOLLOWEE} ~ '^[0-9]{1,15}$') e
  WHERE $2::text[] IS NULL OR (follower || '->' || followee) = ANY($2::text[])
  ORDER BY follower, followee, ${NEWEST_FIRST}`;

// The full check's pages: the next keys after `after`, each event type's index range read in order and cut at
// $2, then those keys' rows as the scoped listing reads them.
const nextKeys = (types: readonly string[]) => `
  SELECT entity_id FROM (${types.map((t) => `(SELECT entity_id FROM events WHERE event_type = '${t}' AND entity_id > $1 ORDER BY entity_id LIMIT $2)`).join(' UNION ')}) k
  ORDER BY entity_id LIMIT $2`;
const NEXT_USERS_SQL = nextKeys(['USER_CREATED', 'USER_UPDATED', 'USER_DELETED']);
const NEXT_POSTS_SQL = nextKeys(['POST_CREATED', 'POST_DELETED']);
const NEXT_FOLLOWERS_SQL = nextKeys(['FOLLOW_CREATED', 'FOLLOW_DELETED']);

const TOTALS_SQL = `
  SELECT (SELECT count(*) FROM (${USERS_SQL}) u WHERE event_type <> 'USER_DELETED') AS users,
         (SELECT count(*) FROM (SELECT entity_id FROM events WHERE event_type IN ('POST_CREATED', 'POST_DELETED') AND entity_id IS NOT NULL
                                GROUP BY entity_id HAVING bool_or(event_type = 'POST_CREATED') AND NOT bool_or(event_type = 'POST_DELETED')) p) AS posts,
         (SELECT count(*) FROM (${FOLLOWS_SQL}) f WHERE event_type = 'FOLLOW_CREATED') AS follows`;

/** Big stores take longer than the pool's 5 s limit for ordinary queries. */
const TIMEOUT_MS = 60_000;

interface Latest {
  event_type: string;
  position: string | null;
  time: Date;
  event_id: string | null;
}
type UserState = Latest & { entity: string; created: boolean };
type PostState = Latest & { entity: string; created: boolean; deleted: boolean };
type FollowState = Latest & { follower: string; followee: string };

interface NewRow {
  time: Date;
  userId: number | null;
  eventType: string;
  properties: Record<string, unknown>;
  eventId: string;
  source: 'users' | 'posts' | 'graph';
  entityId: string;
  position: number;
}

/** Just after the row it follows, in the ordering above: same position, 1 ms later. */
const after = (latest: Latest) => ({ time: new Date(latest.time.getTime() + 1), position: Number(latest.position ?? 0), follows: latest.event_id ?? latest.time.toISOString() });

/** A transaction with the reconciler's longer statement limit, its failures turned into 503s. */
const transaction = <T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, readOnly = false): Promise<T> =>
  guarded(() => inTransaction(pool, work, { readOnly, statementTimeoutMs: TIMEOUT_MS }));

const query = <R extends pg.QueryResultRow>(client: pg.PoolClient, text: string, values: unknown[]) => client.query<R>({ text, values, query_timeout: TIMEOUT_MS } as pg.QueryConfig);

/**
 * The queries a check runs once per batch, prepared once per connection and planned once (a generic plan).
 * They have no time predicate, so the planner looks at every chunk of the hypertable: with a year of daily
 * chunks, planning one costs several times running it (docs/adr/0025-reconciler-in-batches.md).
 */
const PREPARED = new Map<string, string>([
  [SCOPED_USERS_SQL, 'reconcile-scoped-users'],
  [SCOPED_POSTS_SQL, 'reconcile-scoped-posts'],
  [FOLLOWS_OF_SQL, 'reconcile-follows-of'],
]);
const prepared = <R extends pg.QueryResultRow>(client: pg.PoolClient, text: string, values: unknown[]) =>
  client.query<R>({ name: PREPARED.get(text), text, values, query_timeout: TIMEOUT_MS } as pg.QueryConfig);
const genericPlans = (client: pg.PoolClient) => client.query('SET LOCAL plan_cache_mode = force_generic_plan');

const usersOf = (rows: UserState[]): AnalyticsListing['users'] => rows.map((r) => ({ id: r.entity, created: r.created, latest: r.event_type as AnalyticsListing['users'][number]['latest'] }));
const postsOf = (rows: PostState[]): AnalyticsListing['posts'] => rows.map((r) => ({ id: r.entity, created: r.created, deleted: r.deleted }));
const followsOf = (rows: FollowState[]): AnalyticsListing['follows'] =>
  rows.map((r) => ({ followerId: Number(r.follower), followeeId: Number(r.followee), latest: r.event_type as AnalyticsListing['follows'][number]['latest'] }));

export class ReconcileRepository {
  private readonly pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  /** The given users, posts and follows. */
  listing(scope: ReconcileScope): Promise<AnalyticsListing> {
    return transaction(
      this.pool,
      async (client) => {
        await genericPlans(client);
        const users = await prepared<UserState>(client, SCOPED_USERS_SQL, [scope.users.map(String)]);
        const posts = await prepared<PostState>(client, SCOPED_POSTS_SQL, [scope.posts.map((p) => p.id)]);
        const follows = await prepared<FollowState>(client, FOLLOWS_OF_SQL, [[...new Set(scope.follows.map((f) => String(f.followerId)))], scope.follows.map((f) => `${f.followerId}->${f.followeeId}`)]);
        return { users: usersOf(users.rows), posts: postsOf(posts.rows), follows: followsOf(follows.rows) };
      },
      true,
    );
  }

  /** One kind after `after`, in entity order (follows: by follower, every follow of each). */
  page(kind: ReconcileKind, after: string | undefined, limit: number): Promise<AnalyticsPage> {
    return transaction(
      this.pool,
      async (client) => {
        const sql = { users: NEXT_USERS_SQL, posts: NEXT_POSTS_SQL, follows: NEXT_FOLLOWERS_SQL }[kind];
        const keys = (await query<{ entity_id: string }>(client, sql, [after ?? '', limit])).rows.map((r) => r.entity_id);
        const listing: AnalyticsListing = { users: [], posts: [], follows: [] };
        await genericPlans(client);
        if (kind === 'users') listing.users = usersOf((await prepared<UserState>(client, SCOPED_USERS_SQL, [keys])).rows);
        else if (kind === 'posts') listing.posts = postsOf((await prepared<PostState>(client, SCOPED_POSTS_SQL, [keys])).rows);
        else listing.follows = followsOf((await prepared<FollowState>(client, FOLLOWS_OF_SQL, [keys, null])).rows);
        return { listing, next: keys.length === limit ? keys.at(-1)! : null };
      },
      true,
    );
  }

  /** Live users and posts, and follows whose latest event is FOLLOW_CREATED. */
  totals(): Promise<ReconcileTotals> {
    return transaction(
      this.pool,
      async (client) => {
        const row = (await query<{ users: string; posts: string; follows: string }>(client, TOTALS_SQL, [null])).rows[0]!;
        return { users: Number(row.users), posts: Number(row.posts), follows: Number(row.follows) };
      },
      true,
    );
  }

  repair(request: AnalyticsRepair): Promise<AnalyticsRepairResult> {
    return transaction(this.pool, async (client) => {
      const rows: NewRow[] = [];
      let unchanged = 0;
      const reconciled = { reconciled: true, reconciledAt: new Date().toISOString() };

      if (request.users.length > 0) {
        const states = new Map((await query<UserState>(client, USERS_SQL, [request.users.map((u) => String(u.id))])).rows.map((s) => [s.entity, s]));
        for (const u of request.users) {
          const state = states.get(String(u.id));
          const base = { userId: u.id, eventType: u.type, source: 'users' as const, entityId: String(u.id) };
          if (u.type === 'USER_CREATED' && !state?.created) {
            const time = u.at ? new Date(u.at) : state?.time;
            if (time) {
              rows.push({ ...base, time, position: 0, eventId: `reconciled:USER_CREATED:${u.id}`, properties: { ...u.data, entityId: base.entityId, position: 0, ...reconciled } });
              continue;
            }
          }
          const needed = state && (u.type === 'USER_DELETED' ? state.event_type !== 'USER_DELETED' : u.type === 'USER_UPDATED' && state.event_type === 'USER_DELETED');
          if (state && needed) {
            const next = after(state);
            rows.push({ ...base, time: next.time, position: next.position, eventId: `reconciled:${u.type}:${u.id}:${next.follows}`, properties: { ...u.data, entityId: base.entityId, position: next.position, ...reconciled } });
            continue;
          }
          unchanged += 1;
        }
      }

      if (request.posts.length > 0) {
        const states = new Map((await query<PostState>(client, POSTS_SQL, [request.posts.map((p) => p.id)])).rows.map((s) => [s.entity, s]));
        for (const p of request.posts) {
          const state = states.get(p.id);
          const base = { userId: p.authorId, eventType: p.type, source: 'posts' as const, entityId: p.id };
          const data = { _id: p.id, ...(p.authorId === null ? {} : { author_id: p.authorId }), ...p.data };
          if (p.type === 'POST_CREATED' && !state?.created) {
            const time = p.at ? new Date(p.at) : state?.time;
            if (time) {
              // Version 1 is a post's creation.
              rows.push({ ...base, time, position: 1, eventId: `reconciled:POST_CREATED:${p.id}`, properties: { ...data, entityId: p.id, position: 1, ...reconciled } });
              continue;
            }
          }
          if (p.type === 'POST_DELETED' && state?.created && !state.deleted) {
            // A post is deleted once: the key needs nothing but its id.
            const next = after(state);
            rows.push({ ...base, time: next.time, position: next.position, eventId: `reconciled:POST_DELETED:${p.id}`, properties: { ...data, entityId: p.id, position: next.position, ...reconciled } });
            continue;
          }
          unchanged += 1;
        }
      }

      if (request.follows.length > 0) {
        const pairs = request.follows.map((f) => `${f.followerId}->${f.followeeId}`);
        const states = new Map((await query<FollowState>(client, FOLLOWS_SQL, [pairs])).rows.map((s) => [`${s.follower}->${s.followee}`, s]));
        for (const f of request.follows) {
          const pair = `${f.followerId}->${f.followeeId}`;
          const state = states.get(pair);
          const needed = f.type === 'FOLLOW_CREATED' ? state?.event_type !== 'FOLLOW_CREATED' : state?.event_type === 'FOLLOW_CREATED';
          const next = state ? after(state) : f.at ? { time: new Date(f.at), position: 0, follows: 'first' } : null;
          if (!needed || !next) {
            unchanged += 1;
            continue;
          }
          // Follow events are keyed by the follower, like the graph outbox's.
          rows.push({
            time: next.time,
            userId: f.followerId,
            eventType: f.type,
            source: 'graph',
            entityId: String(f.followerId),
            position: next.position,
            eventId: `reconciled:${f.type}:${pair}:${next.follows}`,
            properties: { followerId: f.followerId, followeeId: f.followeeId, entityId: String(f.followerId), position: next.position, ...reconciled },
          });
        }
      }

      const appended = await insert(client, rows);
      unchanged += rows.length - appended;

      let removed = 0;
      if (request.unrecordPostDeletions.length > 0) {
        const result = await query(client, `DELETE FROM events WHERE event_type = 'POST_DELETED' AND ${POST_ENTITY} = ANY($1::text[])`, [request.unrecordPostDeletions]);
        removed = result.rowCount ?? 0;
      }
      return { appended, unchanged, removed };
    });
  }
}

async function insert(client: pg.PoolClient, rows: readonly NewRow[]): Promise<number> {
  let appended = 0;
  // 8 parameters a row; PostgreSQL allows 65,535 per statement.
  for (let start = 0; start < rows.length; start += 5000) {
    const chunk = rows.slice(start, start + 5000);
    const values: unknown[] = [];
    const tuples = chunk.map((row, i) => {
      values.push(row.time, row.userId, row.eventType, JSON.stringify(row.properties), row.eventId, row.source, row.entityId, row.position);
      const b = i * 8;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}::jsonb, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8})`;
    });
    const result = await query(
      client,
      `INSERT INTO events (time, user_id, event_type, properties, event_id, source, entity_id, position)
       VALUES ${tuples.join(', ')}
       ON CONFLICT (event_id, time) DO NOTHING`,
      values,
    );
    appended += result.rowCount ?? 0;
  }
  return appended;
}
