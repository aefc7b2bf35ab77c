// The reconciler's endpoints on the analytics service, against the real
// TimescaleDB: the listing says what the rows record per user, post and
// follow; the repair appends the missing lifecycle rows, marked as
// reconciled, and appends nothing when repeated.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import { internalHeaders } from '@polyglot/platform/internal-secret';
import { urls } from '@polyglot/contracts/endpoints';
import type { AnalyticsPage, AnalyticsListing } from '@polyglot/contracts/reconcile';
import { start, type Running } from '../src/app.ts';
import { loadAnalyticsConfig } from '../src/config.ts';
import { testPostId, testUserId } from './pipeline.ts';

let app: Running;
let base: string;
let db: pg.Client;
const entities: string[] = [];

const [renamed, forgotten, unrecorded] = [testUserId(), testUserId(), testUserId()];
const [follower, followee] = [testUserId(), testUserId()];
const [gonePost, deletedPost, wronglyDeleted] = [testPostId(), testPostId(), testPostId()];

async function row(type: string, entityId: string, position: number, time: string, properties: Record<string, unknown> = {}, source = 'users'): Promise<void> {
  entities.push(entityId);
  await db.query(
    `INSERT INTO events (time, user_id, event_type, properties, event_id, source, entity_id, position)
     VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8)`,
    [time, /^\d+$/.test(entityId) ? Number(entityId) : null, type, JSON.stringify(properties), `test:${randomUUID()}`, source, entityId, position],
  );
}

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}${path}`, { method, headers: { ...internalHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? null : JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

async function listing(): Promise<AnalyticsListing> {
  const scope = { users: [renamed, forgotten, unrecorded], posts: [gonePost, deletedPost, wronglyDeleted].map((id) => ({ id, authorId: null })), follows: [{ followerId: follower, followeeId: followee }] };
  const response = await call('POST', '/internal/reconcile/scope', scope);
  assert.equal(response.status, 200);
  return response.body as AnalyticsListing;
}

before(async () => {
  app = await start(loadAnalyticsConfig({ PORT: '0', LOG_LEVEL: 'silent', CONSUMERS: 'off' }), { logger: pino({ level: 'silent' }) });
  base = `http://127.0.0.1:${app.port}`;
  db = new pg.Client({ connectionString: urls.timescaledb });
  await db.connect();
  // A user renamed (latest USER_UPDATED), one whose deletion never arrived, a post gone without its POST_DELETED, one
  // deleted, one live but recorded as deleted, and a follow that was undone.
  await row('USER_CREATED', String(renamed), 10, '2026-01-01T00:00:00Z');
  await row('USER_UPDATED', String(renamed), 20, '2026-01-01T00:00:01Z');
  await row('USER_CREATED', String(forgotten), 30, '2026-01-01T00:00:02Z');
  await row('POST_CREATED', gonePost, 1, '2026-01-01T00:00:03Z', { _id: gonePost }, 'posts');
  await row('POST_CREATED', deletedPost, 1, '2026-01-01T00:00:04Z', { _id: deletedPost }, 'posts');
  await row('POST_DELETED', deletedPost, 2, '2026-01-01T00:00:05Z', { _id: deletedPost }, 'posts');
  await row('POST_CREATED', wronglyDeleted, 1, '2026-01-01T00:00:06Z', { _id: wronglyDeleted }, 'posts');
  await row('POST_DELETED', wronglyDeleted, 2, '2026-01-01T00:00:07Z', { _id: wronglyDeleted }, 'posts');
  await row('FOLLOW_CREATED', String(follower), 100, '2026-01-01T00:00:08Z', { followerId: follower, followeeId: followee }, 'graph');
  await row('FOLLOW_DELETED', String(follower), 101, '2026-01-01T00:00:09Z', { followerId: follower, followeeId: followee }, 'graph');
});

after(async () => {
  await app.stop();
  await db.query('DELETE FROM events WHERE entity_id = ANY($1)', [[...entities, String(unrecorded)]]).catch(() => undefined);
  await db.end();
});

describe('POST /internal/reconcile/scope, the pages and the totals', () => {
  test('a page of one kind goes on from `after` in entity order; the totals count live users and posts and current follows', async () => {
    const users = (await call('GET', `/internal/reconcile/page/users?after=${String(renamed).slice(0, -1)}&limit=1`)).body as AnalyticsPage;
    assert.deepEqual(users.listing.users, [{ id: String(renamed), created: true, latest: 'USER_UPDATED' }]);
    assert.equal(users.next, String(renamed));
    const posts = (await call('GET', `/internal/reconcile/page/posts?after=${deletedPost.slice(0, -1)}&limit=1`)).body as AnalyticsPage;
    assert.deepEqual(posts.listing.posts, [{ id: deletedPost, created: true, deleted: true }]);
    const follows = (await call('GET', `/internal/reconcile/page/follows?after=${String(follower).slice(0, -1)}&limit=1`)).body as AnalyticsPage;
    assert.deepEqual(follows.listing.follows, [{ followerId: follower, followeeId: followee, latest: 'FOLLOW_DELETED' }]);
    const totals = (await call('GET', '/internal/reconcile/totals')).body as { users: number; posts: number; follows: number };
    assert.ok(totals.users >= 2 && totals.posts >= 1 && Number.isInteger(totals.follows), JSON.stringify(totals));
  });

  test('per user: a USER_CREATED row? and the latest USER_* event; per post: created / deleted; per follow pair: the latest event', async () => {
    const events = await listing();
    const users = new Map(events.users.map((u) => [u.id, u]));
    assert.deepEqual(users.get(String(renamed)), { id: String(renamed), created: true, latest: 'USER_UPDATED' });
    assert.deepEqual(users.get(String(forgotten)), { id: String(forgotten), created: true, latest: 'USER_CREATED' });
    assert.equal(users.has(String(unrecorded)), false);
    const posts = new Map(events.posts.map((p) => [p.id, p]));
    assert.deepEqual(posts.get(gonePost), { id: gonePost, created: true, deleted: false });
    assert.deepEqual(posts.get(deletedPost), { id: deletedPost, created: true, deleted: true });
    const follow = events.follows.find((f) => f.followerId === follower && f.followeeId === followee);
    assert.equal(follow?.latest, 'FOLLOW_DELETED');
  });
});

describe('POST /internal/reconcile/repair', () => {
  const body = {
    users: [
      { id: forgotten, type: 'USER_DELETED', at: null, data: { id: forgotten } },
      { id: unrecorded, type: 'USER_CREATED', at: '2026-01-02T00:00:00.000Z', data: { id: unrecorded, name: 'Una', email: 'una@example.test' } },
    ],
    posts: [{ id: gonePost, type: 'POST_DELETED', authorId: null, at: null, data: {} }],
    follows: [{ followerId: follower, followeeId: followee, type: 'FOLLOW_CREATED', at: null }],
    unrecordPostDeletions: [wronglyDeleted],
  };

  test('appends each missing row after the entity’s latest, marked reconciled; removes a live post’s POST_DELETED', async () => {
    const response = await call('POST', '/internal/reconcile/repair', body);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual(response.body, { appended: 4, unchanged: 0, removed: 1 });

    const events = await listing();
    const users = new Map(events.users.map((u) => [u.id, u]));
    assert.equal(users.get(String(forgotten))?.latest, 'USER_DELETED');
    assert.deepEqual(users.get(String(unrecorded)), { id: String(unrecorded), created: true, latest: 'USER_CREATED' });
    const posts = new Map(events.posts.map((p) => [p.id, p]));
    assert.equal(posts.get(gonePost)?.deleted, true);
    assert.equal(posts.get(wronglyDeleted)?.deleted, false);
    assert.equal(events.follows.find((f) => f.followerId === follower && f.followeeId === followee)?.latest, 'FOLLOW_CREATED');

    const { rows } = await db.query<{ event_type: string; time: Date; position: string; user_id: string | null; properties: Record<string, unknown> }>(
      `SELECT event_type, time, position, user_id, properties FROM events WHERE entity_id = $1 AND event_id LIKE 'reconciled:%'`,
      [String(forgotten)],
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.event_type, 'USER_DELETED');
    assert.equal(rows[0]!.properties.reconciled, true);
    assert.equal(Number(rows[0]!.user_id), forgotten);
    // Just after the row it follows: same position, 1 ms later.
    assert.equal(Number(rows[0]!.position), 30);
    assert.equal(rows[0]!.time.toISOString(), '2026-01-01T00:00:02.001Z');
  });

  test('repeating the same repair appends nothing', async () => {
    const before = await db.query<{ n: string }>('SELECT count(*) AS n FROM events WHERE entity_id = ANY($1)', [[...entities, String(unrecorded)]]);
    const response = await call('POST', '/internal/reconcile/repair', body);
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { appended: 0, unchanged: 4, removed: 0 });
    const afterwards = await db.query<{ n: string }>('SELECT count(*) AS n FROM events WHERE entity_id = ANY($1)', [[...entities, String(unrecorded)]]);
    assert.equal(afterwards.rows[0]!.n, before.rows[0]!.n);
  });

  test('bad ids and unknown keys are 400 VALIDATION_FAILED', async () => {
    for (const bad of [{ users: [{ id: "1'; DROP TABLE events; --", type: 'USER_DELETED', at: null, data: {} }] }, { posts: [{ id: 'x', type: 'POST_DELETED', authorId: null, at: null, data: {} }] }, { truncate: true }]) {
      const response = await call('POST', '/internal/reconcile/repair', bad);
      assert.equal(response.status, 400, JSON.stringify(bad));
      assert.equal(response.body.code, 'VALIDATION_FAILED');
    }
  });
});
