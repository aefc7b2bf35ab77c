// The events hypertable: the projection's idempotent insert and the figures of
// GET /analytics. Every number is computed in SQL; none is counted in memory.
import type pg from 'pg';
import type { Analytics } from '@polyglot/contracts/api';
import type { ChangeEvent, EventType } from '@polyglot/contracts/events';
import { PermanentError } from '@polyglot/platform/kafka';
import { inTransaction } from '@polyglot/platform/postgres-pool';
import { guarded } from './timescale-pool.ts';

/** One row of the events hypertable (domain/event-row.ts makes it from a change). */
export interface EventRow {
  time: Date;
  userId: number | null;
  eventType: EventType;
  properties: Record<string, unknown>;
  eventId: string;
  source: ChangeEvent['source'];
  entityId: string;
  position: number;
}

export interface SummaryOptions {
  newest: number;
  topUsers: number;
  /** PostgreSQL intervals, e.g. '1 hour' and '1 minute'. */
  seriesWindow: string;
  bucket: string;
}

// The counts come from event_counts and user_event_counts, which triggers on events keep
// (migrations/0004_event_counters.sql): a few rows, however many events there are. A user or a
// post counts once created and until deleted.
const STATS_SQL = `
  SELECT coalesce(sum(count), 0) AS total_events,
         greatest(0, coalesce(sum(count) FILTER (WHERE event_type = 'USER_CREATED'), 0)
                   - coalesce(sum(count) FILTER (WHERE event_type = 'USER_DELETED'), 0)) AS total_users,
         greatest(0, coalesce(sum(count) FILTER (WHERE event_type = 'POST_CREATED'), 0)
                   - coalesce(sum(count) FILTER (WHERE event_type = 'POST_DELETED'), 0)) AS total_posts
  FROM event_counts`;

export class EventRepository {
  private readonly pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  /** true: a new row; false: this (event_id, time) was recorded before (a replay). */
  /** Several rows in one statement; returns the event ids that were new. */
  async insertMany(rows: readonly EventRow[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const values: unknown[] = [];
    const tuples = rows.map((row, i) => {
      values.push(row.time, row.userId, row.eventType, JSON.stringify(row.properties), row.eventId, row.source, row.entityId, row.position);
      const b = i * 8;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}::jsonb, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8})`;
    });
    const result = await guarded(() =>
      this.pool.query<{ event_id: string }>(
        `INSERT INTO events (time, user_id, event_type, properties, event_id, source, entity_id, position)
         VALUES ${tuples.join(', ')}
         ON CONFLICT (event_id, time) DO NOTHING
         RETURNING event_id`,
        values,
      ),
    );
    return new Set(result.rows.map((r) => r.event_id));
  }

  async insert(row: EventRow): Promise<boolean> {
    try {
      const result = await guarded(() =>
        this.pool.query(
          `INSERT INTO events (time, user_id, event_type, properties, event_id, source, entity_id, position)
           VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8)
           ON CONFLICT (event_id, time) DO NOTHING`,
          [row.time, row.userId, row.eventType, JSON.stringify(row.properties), row.eventId, row.source, row.entityId, row.position],
        ),
      );
      return result.rowCount === 1;
    } catch (error) {
      // Class 22 (data exception, e.g. a \u0000 that jsonb refuses): no retry can fix the message.
      if (((error as { code?: string }).code ?? '').startsWith('22')) throw new PermanentError(`the events row was refused: ${(error as Error).message}`, { cause: error });
      throw error;
    }
  }

  /** The highest source position of this entity recorded in events; null when none is. */
  async shownPosition(source: string, entityId: string): Promise<number | null> {
    const result = await guarded(() =>
      this.pool.query<{ position: string | null }>('SELECT max(position)::text AS position FROM events WHERE entity_id = $1 AND source = $2', [entityId, source]),
    );
    const position = result.rows[0]?.position;
    return position === null || position === undefined ? null : Number(position);
  }

  /**
   * The latest event (by source position) of each entity, for a recorded history: users and posts by
   * their id, follows by FOLLOWER:FOLLOWEE (a follow's events are the follower's, its followee in the
   * properties). One index lookup per entity (events_entity_position_idx).
   */
  async latestEvents(source: ChangeEvent['source'], ids: readonly string[]): Promise<Map<string, { position: number; eventType: string }>> {
    const pairs = source === 'graph';
    const result = await guarded(() =>
      this.pool.query<{ id: string; position: string | null; event_type: string | null }>(
        pairs
          ? `SELECT p.follower || ':' || p.followee AS id, latest.position::text AS position, latest.event_type
               FROM unnest($1::text[], $2::text[]) AS p(follower, followee)
               LEFT JOIN LATERAL (
                 SELECT position, event_type FROM events
                  WHERE entity_id = p.follower AND source = 'graph' AND position IS NOT NULL AND properties->>'followeeId' = p.followee
                  ORDER BY position DESC LIMIT 1) AS latest ON true`
          : `SELECT e.id, latest.position::text AS position, latest.event_type
               FROM unnest($1::text[]) AS e(id)
               LEFT JOIN LATERAL (
                 SELECT position, event_type FROM events
                  WHERE entity_id = e.id AND source = $2 AND position IS NOT NULL
                  ORDER BY position DESC LIMIT 1) AS latest ON true`,
        pairs ? [ids.map((id) => id.split(':')[0]), ids.map((id) => id.split(':')[1])] : [ids, source],
      ),
    );
    const latest = new Map<string, { position: number; eventType: string }>();
    for (const row of result.rows) if (row.position !== null && row.event_type !== null) latest.set(row.id, { position: Number(row.position), eventType: row.event_type });
    return latest;
  }

  async ping(): Promise<void> {
    await guarded(() => this.pool.query('SELECT 1'));
  }

  async summary(options: SummaryOptions): Promise<Analytics> {
    // One snapshot for all five queries, so totals and breakdowns agree.
    return guarded(() =>
      inTransaction(
        this.pool,
        async (client): Promise<Analytics> => {
          const stats = await client.query<{ total_events: string; total_users: string; total_posts: string }>(STATS_SQL);
          const types = await client.query<{ event_type: string; count: string }>(
            'SELECT event_type, count FROM event_counts WHERE count > 0 ORDER BY event_type',
          );
          // Planning this over every chunk of the hypertable (one a day) cost more than running it: the
          // plan is made once per connection (a named statement) and kept whatever the limit.
          await client.query('SET LOCAL plan_cache_mode = force_generic_plan');
          const newest = await client.query<{ time: Date; user_id: string | null; event_type: string; properties: Record<string, unknown> }>({
            name: 'analytics-newest-events',
            text: 'SELECT time, user_id, event_type, properties FROM events ORDER BY time DESC LIMIT $1',
            values: [options.newest],
          });
          await client.query('SET LOCAL plan_cache_mode = auto');
          const series = await client.query<{ minute: Date; event_type: string; count: string }>(
            `SELECT time_bucket($1::interval, time) AS minute, event_type, count(*) AS count
             FROM events
             WHERE time > now() - $2::interval
             GROUP BY 1, 2
             ORDER BY 1, 2`,
            [options.bucket, options.seriesWindow],
          );
          const top = await client.query<{ user_id: string; events: string }>(
            'SELECT user_id, events FROM user_event_counts WHERE events > 0 ORDER BY events DESC, user_id LIMIT $1',
            [options.topUsers],
          );
          const totals = stats.rows[0];
          return {
            stats: {
              totalEvents: Number(totals?.total_events ?? 0),
              totalUsers: Number(totals?.total_users ?? 0),
              totalPosts: Number(totals?.total_posts ?? 0),
              eventTypes: Object.fromEntries(types.rows.map((r) => [r.event_type, Number(r.count)])),
            },
            events: newest.rows.map((r) => ({
              time: r.time.toISOString(),
              user_id: r.user_id === null ? null : Number(r.user_id),
              event_type: r.event_type,
              // The name existing clients read the type by; event_type stays for those that read it.
              type: r.event_type,
              properties: r.properties ?? {},
            })),
            series: series.rows.map((r) => ({ minute: r.minute.toISOString(), event_type: r.event_type, count: Number(r.count) })),
            topUsers: top.rows.map((r) => ({ user_id: Number(r.user_id), events: Number(r.events) })),
          };
        },
        { readOnly: true },
      ),
    );
  }
}
