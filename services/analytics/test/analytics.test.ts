// The analytics service against the real TimescaleDB and Kafka: every change
// becomes exactly one row, replays add nothing, poison is dead-lettered, and
// GET /analytics says what SQL says.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import { Analytics } from '@polyglot/contracts/api';
import { urls } from '@polyglot/contracts/endpoints';
import { consumerGroups, PIPELINE_TOPICS, topics } from '@polyglot/contracts/topics';
import { internalHeaders } from '@polyglot/platform/internal-secret';
import { createProducer, type StringProducer } from '@polyglot/platform/kafka';
import { waitFor } from '@polyglot/platform/wait-for';
import { deleteTestGroups, testGroupAtEnd } from '@polyglot/platform/test-fixtures/consumer-group';
import { start, type Running } from '../src/app.ts';
import { loadAnalyticsConfig } from '../src/config.ts';
import { retireTestUsers, capturedPost } from '@polyglot/contracts/test-fixtures/message-builders';
import { debeziumChange, findDeadLetter, outboxEvent, produce, testPostId, testUserId } from './pipeline.ts';

const logger = pino({ level: 'silent' });
const PIPELINE_WAIT = 20_000;

let app: Running;
let group: string;
let base: string;
let db: pg.Client;
let producer: StringProducer;
const entities: string[] = [];
/** Test users named only as authors or actors: retired on the users topic at the end. */
const mentioned: number[] = [];

async function rowsOf(entityId: string): Promise<Array<{ event_id: string; event_type: string; user_id: string | null; time: Date; source: string; position: string; properties: Record<string, unknown> }>> {
  const result = await db.query('SELECT event_id, event_type, user_id, time, source, position, properties FROM events WHERE entity_id = $1 ORDER BY position', [entityId]);
  return result.rows;
}

before(async () => {
  // A group of its own, from the end of the log: the running analytics service keeps its partitions.
  group = await testGroupAtEnd(consumerGroups.analyticsProjector, PIPELINE_TOPICS);
  app = await start(loadAnalyticsConfig({ PORT: '0', LOG_LEVEL: 'silent', PROJECTION_GROUP: group }), { logger });
  base = `http://127.0.0.1:${app.port}`;
  db = new pg.Client({ connectionString: urls.timescaledb });
  await db.connect();
  producer = createProducer('analytics-test');
});

after(async () => {
  // The projection first, so nothing is inserted after the clean-up.
  await app.stop();
  await deleteTestGroups(group);
  await retireTestUsers(producer, mentioned);
  await producer.close();
  await db.query('DELETE FROM events WHERE entity_id = ANY($1)', [entities]).catch(() => undefined);
  // Other test files (the projectors') send synthetic changes through the same topics, which this
  // projection records too; they all use ids from 900000000 up, which real users never reach.
  await db.query(
    `DELETE FROM events
     WHERE (source IN ('users', 'graph') AND entity_id ~ '^9[0-9]{8}$')
        OR (source = 'posts' AND user_id BETWEEN 900000000 AND 999999999)`,
  ).catch(() => undefined);
  await db.end();
});

describe('the projection', () => {
  test('Debezium users changes → one row each; a replayed change and the tombstone add nothing', async () => {
    const id = testUserId();
    const key = JSON.stringify({ id });
    entities.push(String(id));
    const created = debeziumChange('c', id, 'Grace');
    const updated = debeziumChange('u', id, 'Grace Hopper');
    await produce(producer, topics.userChanges, key, created);
    await produce(producer, topics.userChanges, key, updated);
    await produce(producer, topics.userChanges, key, updated);
    await produce(producer, topics.userChanges, key, null);
    // Same key, same partition: once the delete is in, everything before it was handled.
    await produce(producer, topics.userChanges, key, debeziumChange('d', id, 'Grace Hopper'));
    await waitFor('the USER_DELETED row', async () => (await rowsOf(String(id))).some((r) => r.event_type === 'USER_DELETED'), { timeoutMs: PIPELINE_WAIT });

    const rows = await rowsOf(String(id));
    assert.deepEqual(rows.map((r) => r.event_type), ['USER_CREATED', 'USER_UPDATED', 'USER_DELETED']);
    assert.equal(new Set(rows.map((r) => r.event_id)).size, 3);
    const wire = JSON.parse(created) as { source: { ts_ms: number; lsn: number } };
    const first = rows[0];
    assert.ok(first);
    assert.equal(first.time.getTime(), wire.source.ts_ms, 'time is the source commit time');
    assert.equal(first.user_id, String(id));
    assert.equal(first.source, 'users');
    assert.equal(first.position, String(wire.source.lsn));
    assert.equal(first.event_id, `users:${wire.source.lsn}:c:${id}`);
    assert.equal(first.properties.name, 'Grace');
    assert.equal(first.properties.entityId, String(id));
    assert.equal(first.properties.position, wire.source.lsn);
  });

  test('outbox events of every kind → one row each; the same message twice → still one row', async () => {
    const author = testUserId();
    const fan = testUserId();
    const postId = testPostId();
    entities.push(postId, String(fan));
    mentioned.push(author, fan);
    const postMessages = [
      outboxEvent('POST_CREATED', postId, author, { _id: postId, author_id: author, title: 't', body: 'b', tags: [], likes: 0 }, 1),
      outboxEvent('POST_UPDATED', postId, author, { _id: postId, author_id: author, title: 't2' }, 2),
      outboxEvent('POST_LIKED', postId, fan, { _id: postId, author_id: author, likes: 1, userId: fan }, 3),
      outboxEvent('COMMENT_CREATED', postId, fan, { _id: postId, commentId: '8c0e4a8e-2b7d-4d6a-9a0e-3f7b1c2d4e5f', author_id: fan, post_author_id: author, body: 'hi' }, 4),
      outboxEvent('COMMENT_DELETED', postId, fan, { _id: postId, commentId: '8c0e4a8e-2b7d-4d6a-9a0e-3f7b1c2d4e5f', author_id: fan, post_author_id: author }, 5),
    ];
    const followMessages = [
      outboxEvent('FOLLOW_CREATED', String(fan), fan, { followerId: fan, followeeId: author }, 1),
      outboxEvent('FOLLOW_DELETED', String(fan), fan, { followerId: fan, followeeId: author }, 2),
    ];
    for (const value of postMessages) {
      await produce(producer, topics.postChanges, null, capturedPost(value));
      await produce(producer, topics.postChanges, null, capturedPost(value));
    }
    for (const value of followMessages) {
      await produce(producer, topics.graphEvents, String(fan), value);
      await produce(producer, topics.graphEvents, String(fan), value);
    }
    // Sentinels, last on their partitions.
    await produce(producer, topics.postChanges, null, capturedPost(outboxEvent('POST_DELETED', postId, author, { _id: postId, author_id: author }, 6)));
    await produce(producer, topics.graphEvents, String(fan), outboxEvent('FOLLOW_DELETED', String(fan), fan, { followerId: fan, followeeId: author }, 3));
    await waitFor('the POST_DELETED row', async () => (await rowsOf(postId)).some((r) => r.event_type === 'POST_DELETED'), { timeoutMs: PIPELINE_WAIT });
    await waitFor('the third follow row', async () => (await rowsOf(String(fan))).length >= 3, { timeoutMs: PIPELINE_WAIT });

    const posts = await rowsOf(postId);
    assert.deepEqual(posts.map((r) => r.event_type), ['POST_CREATED', 'POST_UPDATED', 'POST_LIKED', 'COMMENT_CREATED', 'COMMENT_DELETED', 'POST_DELETED']);
    assert.ok(posts.every((r) => r.source === 'posts'));
    assert.equal(posts[2]?.user_id, String(fan), 'user_id is the actor');
    const follows = await rowsOf(String(fan));
    assert.deepEqual(follows.map((r) => r.event_type), ['FOLLOW_CREATED', 'FOLLOW_DELETED', 'FOLLOW_DELETED']);
    assert.ok(follows.every((r) => r.source === 'graph'));
  });

  test('a garbage message is dead-lettered and the next good message is still projected', async () => {
    const postId = testPostId();
    const author = testUserId();
    mentioned.push(author);
    entities.push(postId);
    const garbage = await produce(producer, topics.postChanges, postId, 'not json');
    await produce(producer, topics.postChanges, null, capturedPost(outboxEvent('POST_CREATED', postId, author, { _id: postId, author_id: author }, 1)));
    await produce(producer, topics.postChanges, null, capturedPost(outboxEvent('POST_DELETED', postId, author, { _id: postId, author_id: author }, 2)));
    await waitFor('the good messages after the garbage', async () => (await rowsOf(postId)).length === 2, { timeoutMs: PIPELINE_WAIT });

    const letter = await findDeadLetter(
      (l) => l.group === group && l.topic === topics.postChanges && l.partition === garbage.partition && l.offset === String(garbage.offset),
      PIPELINE_WAIT,
    );
    assert.equal(letter.value, 'not json');
    assert.equal(letter.key, postId);
    assert.equal(letter.attempts, 1, 'unparseable: no retries');
    assert.match(letter.error, /does not parse/);
  });
});

describe('GET /analytics', () => {
  async function fromSql(): Promise<Analytics> {
    const totals = await db.query<{ total: string }>('SELECT count(*) AS total FROM events');
    const count = async (type: string): Promise<number> =>
      Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM events WHERE event_type = $1', [type])).rows[0]?.n);
    // A user or a post counts from its creation until its deletion (as many creations as deletions: none).
    const users = Math.max(0, (await count('USER_CREATED')) - (await count('USER_DELETED')));
    const posts = Math.max(0, (await count('POST_CREATED')) - (await count('POST_DELETED')));
    const types = await db.query<{ event_type: string; n: string }>('SELECT event_type, count(*) AS n FROM events GROUP BY event_type');
    const newest = await db.query<{ time: Date; user_id: string | null; event_type: string; properties: Record<string, unknown> }>(
      'SELECT time, user_id, event_type, properties FROM events ORDER BY time DESC LIMIT 50',
    );
    const series = await db.query<{ minute: Date; event_type: string; n: string }>(
      `SELECT time_bucket('1 minute', time) AS minute, event_type, count(*) AS n FROM events
       WHERE time > now() - interval '1 hour' GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    const top = await db.query<{ user_id: string; n: string }>(
      'SELECT user_id, count(*) AS n FROM events WHERE user_id IS NOT NULL GROUP BY user_id ORDER BY n DESC, user_id LIMIT 10',
    );
    return {
      stats: {
        totalEvents: Number(totals.rows[0]?.total),
        totalUsers: users,
        totalPosts: posts,
        eventTypes: Object.fromEntries(types.rows.map((r) => [r.event_type, Number(r.n)])),
      },
      events: newest.rows.map((r) => ({ time: r.time.toISOString(), user_id: r.user_id === null ? null : Number(r.user_id), event_type: r.event_type, type: r.event_type, properties: r.properties })),
      series: series.rows.map((r) => ({ minute: r.minute.toISOString(), event_type: r.event_type, count: Number(r.n) })),
      topUsers: top.rows.map((r) => ({ user_id: Number(r.user_id), events: Number(r.n) })),
    };
  }

  test('every figure equals a direct SQL count', async () => {
    // Other processes may be projecting meanwhile: compare until one API answer
    // and one SQL snapshot taken back to back agree.
    let last: { api: Analytics; sql: Analytics } | undefined;
    const eventTypes = (a: Analytics) => Object.fromEntries(Object.entries(a.stats.eventTypes).sort());
    const same = (a: Analytics, b: Analytics) => JSON.stringify({ ...a, stats: { ...a.stats, eventTypes: eventTypes(a) } }) === JSON.stringify({ ...b, stats: { ...b.stats, eventTypes: eventTypes(b) } });
    const agreed = await waitFor(
      'an answer equal to the SQL counts taken right after it',
      async () => {
        const response = await fetch(`${base}/analytics`, { headers: internalHeaders() });
        assert.equal(response.status, 200);
        const api = Analytics.parse(await response.json());
        const sql = await fromSql();
        last = { api, sql };
        return same(api, sql) && api;
      },
      { timeoutMs: 10_000, intervalMs: 300 },
    ).catch(() => undefined);
    if (!agreed) assert.deepEqual(last?.api, last?.sql);
    assert.ok(agreed);
    assert.ok(agreed.stats.totalEvents >= 12, 'the rows this file projected are counted');
    assert.ok(agreed.events.length <= 50);
    assert.ok(agreed.series.every((s) => s.minute.endsWith(':00.000Z')), 'series buckets are whole minutes');
  });

  test('the counts GET /analytics reads follow rows however they come and go: an insert, a replayed insert, a delete', async () => {
    const userId = testUserId();
    const type = `TEST_COUNTED_${userId}`;
    const counts = async () => ({
      type: Number((await db.query<{ count: string }>('SELECT count FROM event_counts WHERE event_type = $1', [type])).rows[0]?.count ?? 0),
      user: Number((await db.query<{ events: string }>('SELECT events FROM user_event_counts WHERE user_id = $1', [userId])).rows[0]?.events ?? 0),
    });
    const insert = (eventId: string) =>
      db.query("INSERT INTO events (time, user_id, event_type, event_id) VALUES ('2026-01-01T00:00:00Z', $1, $2, $3) ON CONFLICT (event_id, time) DO NOTHING", [userId, type, eventId]);
    await insert(`${type}:a`);
    await insert(`${type}:b`);
    await insert(`${type}:a`);
    assert.deepEqual(await counts(), { type: 2, user: 2 }, 'a replayed row counts nothing');
    await db.query('DELETE FROM events WHERE event_type = $1 AND event_id = $2', [type, `${type}:a`]);
    assert.deepEqual(await counts(), { type: 1, user: 1 });
    await db.query('DELETE FROM events WHERE event_type = $1', [type]);
    assert.deepEqual(await counts(), { type: 0, user: 0 });
    const response = await fetch(`${base}/analytics`, { headers: internalHeaders() });
    assert.equal(type in Analytics.parse(await response.json()).stats.eventTypes, false, 'a type without events is not listed');
  });

  test('the rows this file projected appear among the newest events and in the series', async () => {
    const body = Analytics.parse(await (await fetch(`${base}/analytics`, { headers: internalHeaders() })).json());
    assert.ok((body.stats.eventTypes.USER_CREATED ?? 0) >= 1);
    assert.ok(body.series.some((s) => s.event_type === 'POST_CREATED' && s.count >= 1));
  });

  test('each of the newest events carries type, the same as event_type, and its time', async () => {
    const body = (await (await fetch(`${base}/analytics`, { headers: internalHeaders() })).json()) as { events: Array<Record<string, unknown>> };
    assert.ok(body.events.length > 0, 'this file projected events');
    for (const event of body.events) {
      assert.equal(typeof event.type, 'string');
      assert.equal(event.type, event.event_type);
      assert.ok(!Number.isNaN(Date.parse(String(event.time))), `time is a date: ${String(event.time)}`);
    }
  });
});

describe('health and a store that is down', () => {
  test('GET /health → 200 with the projection counters', async () => {
    const response = await fetch(`${base}/health`, { headers: internalHeaders() });
    const body = (await response.json()) as {
      status: string;
      checks: { timescaledb: string };
      projection: { running: boolean; lag: number | null; processed: number; deadLettered: number; lastAppliedAt: string | null; latency: { count: number } };
    };
    assert.equal(response.status, 200);
    assert.equal(body.status, 'ok');
    assert.equal(body.checks.timescaledb, 'ok');
    assert.equal(body.projection.running, true);
    assert.ok(body.projection.latency.count >= 1, 'commit → row latency is measured');
    assert.ok(body.projection.processed >= 1);
    assert.ok(body.projection.deadLettered >= 1);
    assert.equal(typeof body.projection.lag, 'number');
    assert.ok(body.projection.lastAppliedAt);
  });

  test('TimescaleDB unreachable → 503 STORE_UNAVAILABLE naming it, fast', async () => {
    const down = await start(
      loadAnalyticsConfig({ PORT: '0', TIMESCALE_URL: 'postgres://postgres:postgres@127.0.0.1:1/analytics', SKIP_MIGRATIONS: 'true', CONSUMERS: 'off', LOG_LEVEL: 'silent' }),
      { logger },
    );
    try {
      const started = Date.now();
      const response = await fetch(`http://127.0.0.1:${down.port}/analytics`, { headers: internalHeaders() });
      const body = (await response.json()) as { error: string; code: string };
      assert.equal(response.status, 503);
      assert.equal(body.code, 'STORE_UNAVAILABLE');
      assert.match(body.error, /^the analytics store \(TimescaleDB\) is unavailable; try again shortly/);
      assert.ok(Date.now() - started < 3000, `answered in ${Date.now() - started} ms`);

      const health = await fetch(`http://127.0.0.1:${down.port}/health`, { headers: internalHeaders() });
      assert.equal(health.status, 503);
      const healthBody = (await health.json()) as { status: string; checks: unknown; code: string; error: string };
      assert.equal(healthBody.status, 'degraded');
      assert.deepEqual(healthBody.checks, { timescaledb: 'unavailable' });
      assert.equal(healthBody.code, 'STORE_UNAVAILABLE');
      assert.match(healthBody.error, /TimescaleDB/);
    } finally {
      await down.stop();
    }
  });

  test('an unknown route → 404 {error, code}', async () => {
    const response = await fetch(`${base}/nope`, { headers: internalHeaders() });
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as { code: string }).code, 'ROUTE_NOT_FOUND');
  });
});
