// The reconciler's pure half: listings of the stores → drift with ids, each
// with the repair from its source of truth; the grouping of repairs per store;
// the second look that leaves out what was only in flight; and a quick 503
// when a service does not answer. (The real stores are compared in
// tests/e2e/reconcile.e2e.test.ts.)
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import type { User } from '@polyglot/contracts/api';
import type { ChangeJournal } from '../src/data-access/change-journal.ts';
import type { ReconcileClient } from '../src/data-access/reconcile.client.ts';
import { findDrift, type Snapshot } from '../src/domain/find-drift.ts';
import { planRepairs, reconcile, scopeOf } from '../src/domain/reconcile.use-case.ts';
import { fullCheck, ProgressBoard, scopeOfFindings } from '../src/domain/full-check.ts';
import type { ReconcileScope } from '@polyglot/contracts/reconcile';
import { call, DOWN_URL, startGateway } from './support.ts';

const T = '2026-01-01T00:00:00.000Z';
const user = (id: number, name: string): User => ({ id, email: `${name.toLowerCase()}@example.test`, name, created_at: T, updated_at: T });
const P1 = 'a'.repeat(24);
const P2 = 'b'.repeat(24);
const P3 = 'c'.repeat(24);

/** A consistent system: two users, a post by 1, 1 follows 2. */
function healthy(): Snapshot {
  return {
    users: [user(1, 'Ada'), user(2, 'Bob')],
    posts: { posts: [{ id: P1, authorId: 1, createdAt: T }] },
    graph: {
      users: [
        { id: 1, name: 'Ada' },
        { id: 2, name: 'Bob' },
      ],
      posts: [{ id: P1, authors: [1] }],
      follows: [{ followerId: 1, followeeId: 2, createdAt: T }],
    },
    analytics: {
      users: [
        { id: '1', created: true, latest: 'USER_UPDATED' },
        { id: '2', created: true, latest: 'USER_CREATED' },
        // A deleted user: recorded as such, gone everywhere else.
        { id: '3', created: true, latest: 'USER_DELETED' },
      ],
      posts: [
        { id: P1, created: true, deleted: false },
        { id: P2, created: true, deleted: true },
      ],
      follows: [
        { followerId: 1, followeeId: 2, latest: 'FOLLOW_CREATED' },
        { followerId: 2, followeeId: 1, latest: 'FOLLOW_DELETED' },
      ],
    },
    cache: { profiles: [{ id: 1, name: 'Ada', email: 'ada@example.test', position: 5, digest: 'd1' }], listed: [{ id: P1, inListing: true, authorIds: [1] }] },
  };
}

describe('findDrift', () => {
  test('a consistent system has no drift; a missing cached profile is a cache miss, not drift', () => {
    const { findings, counts } = findDrift(healthy());
    assert.deepEqual(findings, []);
    assert.deepEqual(counts, {
      users: { postgres: 2, neo4j: 2, redis: 1, timescaledb: 2 },
      posts: { ferretdb: 1, neo4j: 1, timescaledb: 1, redis: 1, redisAuthorListings: 1 },
      follows: { neo4j: 1, timescaledb: 1 },
    });
  });

  test('users: a missing, a stale and an extra :User node; a stale and an orphaned profile; missing lifecycle events', () => {
    const s = healthy();
    s.users = [user(1, 'Ada'), user(2, 'Bob'), user(4, 'Cy')];
    s.graph.users = [
      { id: 1, name: 'Ada (old)' },
      { id: 2, name: 'Bob' },
      { id: 9, name: null },
    ];
    s.cache.profiles = [
      { id: 1, name: 'Ada', email: 'old@example.test', position: 5, digest: 'd1' },
      { id: 3, name: 'Gone', email: 'gone@example.test', position: 9, digest: 'd3' },
    ];
    s.analytics.users = [
      { id: '1', created: true, latest: 'USER_DELETED' },
      { id: '2', created: true, latest: 'USER_CREATED' },
      { id: '3', created: true, latest: 'USER_UPDATED' },
    ];
    const drift = findDrift(s).findings.map((f) => [f.drift.store, f.drift.kind, f.drift.id, f.fix?.op]);
    assert.deepEqual(
      drift.sort(),
      [
        ['neo4j', 'extra', '9', 'deleteUser'],
        ['neo4j', 'missing', '4', 'upsertUser'],
        ['neo4j', 'stale', '1', 'upsertUser'],
        ['redis', 'extra', '3', 'remove'],
        ['redis', 'stale', '1', 'refresh'],
        ['timescaledb', 'missing', '3', 'user'],
        ['timescaledb', 'missing', '4', 'user'],
        ['timescaledb', 'stale', '1', 'user'],
      ].sort(),
    );
    const rows = findDrift(s).findings.flatMap((f) => (f.fix?.op === 'user' ? [[f.fix.row.id, f.fix.row.type]] : []));
    assert.deepEqual(rows.sort(), [
      [1, 'USER_UPDATED'],
      [3, 'USER_DELETED'],
      [4, 'USER_CREATED'],
    ]);
  });

  test('posts: an edge missing or from the wrong author, a leftover :Post, missing events, a live post of a deleted user', () => {
    const s = healthy();
    s.posts.posts = [
      { id: P1, authorId: 1, createdAt: T },
      { id: P2, authorId: 2, createdAt: T },
      { id: P3, authorId: 7, createdAt: T },
    ];
    s.cache.listed = s.posts.posts.map((p) => ({ id: p.id, inListing: true, authorIds: [p.authorId] }));
    s.graph.posts = [
      { id: P1, authors: [2] },
      { id: 'd'.repeat(24), authors: [1] },
    ];
    s.analytics.posts = [
      { id: P1, created: true, deleted: false },
      { id: P2, created: true, deleted: true },
      { id: 'e'.repeat(24), created: true, deleted: false },
    ];
    const drift = findDrift(s).findings.map((f) => [f.drift.store, f.drift.kind, f.drift.id.slice(0, 1), f.fix?.op]);
    assert.deepEqual(
      drift.sort(),
      [
        ['ferretdb', 'extra', 'c', 'deleteAuthorPosts'],
        ['neo4j', 'stale', 'a', 'linkPost'],
        ['neo4j', 'missing', 'b', 'linkPost'],
        ['neo4j', 'extra', 'd', 'deletePost'],
        ['timescaledb', 'stale', 'b', 'unrecordPostDeletion'],
        ['timescaledb', 'missing', 'e', 'post'],
      ].sort(),
    );
  });

  test('posts: the listings miss a live post or hold one that is gone, or under another author', () => {
    const s = healthy();
    s.posts.posts = [
      { id: P1, authorId: 1, createdAt: T },
      { id: P2, authorId: 2, createdAt: T },
      { id: P3, authorId: 2, createdAt: T },
    ];
    s.graph.posts = s.posts.posts.map((p) => ({ id: p.id, authors: [p.authorId] }));
    s.analytics.posts = s.posts.posts.map((p) => ({ id: p.id, created: true, deleted: false }));
    const gone = 'd'.repeat(24);
    s.cache.listed = [
      { id: P1, inListing: true, authorIds: [1] },
      // In the listing, but not in its author's.
      { id: P2, inListing: true, authorIds: [] },
      // In its author's listing and another's.
      { id: P3, inListing: true, authorIds: [2, 5] },
      { id: gone, inListing: true, authorIds: [1] },
    ];
    const findings = findDrift(s).findings.filter((f) => f.drift.store === 'redis');
    assert.deepEqual(
      findings.map((f) => f.fix),
      [
        { store: 'redis', op: 'list', id: P2, authorId: 2 },
        { store: 'redis', op: 'unlist', id: P3, inListing: false, authorIds: [5] },
        { store: 'redis', op: 'unlist', id: gone, inListing: true, authorIds: [1] },
      ],
    );
    assert.equal(findDrift(s).counts.posts.redis, 4);
    const plan = planRepairs(findings.map((f) => f.fix!));
    assert.deepEqual(plan.cache.list, [{ id: P2, authorId: 2 }]);
    assert.equal(plan.cache.unlist.length, 2);
  });

  test('follows: events that disagree with the edges; an edge to a deleted user goes with that user', () => {
    const s = healthy();
    s.graph.users.push({ id: 8, name: 'Ghost' });
    s.graph.follows = [
      { followerId: 2, followeeId: 1, createdAt: T },
      { followerId: 1, followeeId: 8, createdAt: T },
    ];
    const drift = findDrift(s).findings.map((f) => [f.drift.store, f.drift.id, f.drift.expected, f.fix]);
    assert.deepEqual(drift, [
      // 8 is no user: its node goes, with its follows announced as FOLLOW_DELETED, so no row is appended for 1->8.
      ['neo4j', '8', null, { store: 'neo4j', op: 'deleteUser', id: 8 }],
      ['timescaledb', '2->1', 'latest FOLLOW_CREATED (the edge exists)', { store: 'timescaledb', op: 'follow', row: { followerId: 2, followeeId: 1, type: 'FOLLOW_CREATED', at: T } }],
      ['neo4j', '1->8', 'no edge (user 8 does not exist)', { store: 'neo4j', op: 'deleteUser', id: 8 }],
      ['timescaledb', '1->2', 'latest FOLLOW_DELETED (no edge)', { store: 'timescaledb', op: 'follow', row: { followerId: 1, followeeId: 2, type: 'FOLLOW_DELETED', at: null } }],
    ]);
  });
});

describe('planRepairs', () => {
  test('one request per store, each entity once', () => {
    const plan = planRepairs([
      { store: 'neo4j', op: 'deleteUser', id: 8 },
      { store: 'neo4j', op: 'deleteUser', id: 8 },
      { store: 'neo4j', op: 'upsertUser', id: 1, name: 'Ada' },
      { store: 'timescaledb', op: 'user', row: { id: 1, type: 'USER_UPDATED', at: null, data: {} } },
      { store: 'timescaledb', op: 'user', row: { id: 4, type: 'USER_CREATED', at: T, data: {} } },
      { store: 'ferretdb', op: 'deleteAuthorPosts', authorId: 7 },
      { store: 'ferretdb', op: 'deleteAuthorPosts', authorId: 7 },
    ]);
    assert.deepEqual(plan.graph, { upsertUsers: [{ id: 1, name: 'Ada' }], deleteUsers: [8], deletePosts: [], linkPosts: [] });
    assert.deepEqual(
      plan.analytics.users.map((u) => u.type),
      ['USER_CREATED', 'USER_UPDATED'],
    );
    assert.deepEqual(plan.cascadeAuthors, [7]);
    assert.deepEqual(plan.cache, { refresh: [], remove: [], list: [], unlist: [] });
  });
});

describe('reconcile: a second look', () => {
  test('drift that was only in flight on the first look is left out; drift that persists is reported', async () => {
    const lagging = healthy();
    // A new user not yet projected anywhere, and a rename not yet in the graph...
    lagging.users = [...lagging.users, user(5, 'New')];
    lagging.graph.users[0] = { id: 1, name: 'Old' };
    // ...and, on both looks, a :User node nobody has.
    lagging.graph.users.push({ id: 9, name: null });
    const caughtUp = healthy();
    caughtUp.users = [...caughtUp.users, user(5, 'New')];
    caughtUp.graph.users.push({ id: 5, name: 'New' }, { id: 9, name: null });
    caughtUp.analytics.users.push({ id: '5', created: true, latest: 'USER_CREATED' });
    // The first look (the streamed full check) sees `lagging`; once the pipeline settled, the second (the suspects only) sees `caughtUp`.
    let current = lagging;
    const client = fakeClient(() => current);
    const journal = { fullCheckBegins: async () => undefined, fullCheckEnded: async () => 0 } as unknown as ChangeJournal;
    const logger = pino({ level: 'silent' });
    const settled = async () => {
      current = caughtUp;
      return true;
    };
    const report = await reconcile({ reconcile: client, pipeline: { settled }, journal, progress: new ProgressBoard(logger), logger }, { settleMs: 50 });
    assert.equal(report.passes, 2);
    assert.deepEqual(
      report.drift.map((d) => [d.store, d.kind, d.id]),
      [['neo4j', 'extra', '9']],
    );
    assert.equal(report.total, 1);
    assert.equal(report.counts.users.postgres, 3);
  });
});

describe('GET /reconcile with the services down', () => {
  test('503 STORE_UNAVAILABLE naming a service, at once', async () => {
    const gateway = await startGateway({ USERS_URL: DOWN_URL, POSTS_URL: DOWN_URL, GRAPH_URL: DOWN_URL, ANALYTICS_URL: DOWN_URL, PROJECTORS_URL: DOWN_URL });
    try {
      const started = Date.now();
      const r = await call(`http://127.0.0.1:${gateway.port}`, 'GET', '/reconcile');
      assert.equal(r.status, 503);
      assert.equal(r.body.code, 'STORE_UNAVAILABLE');
      assert.match(r.body.error, /the (users|posts|graph|analytics|projectors) service \(/);
      assert.ok(Date.now() - started < 2000);
    } finally {
      await gateway.stop();
    }
  });
});

describe('the incremental check’s scope', () => {
  test('journal entries become users, posts with their authors, and follow pairs; malformed members are left out', () => {
    const post = 'a'.repeat(24);
    const scope = scopeOf([
      { source: 'users', member: '7', position: 10 },
      { source: 'users', member: '7', position: 11 },
      { source: 'users', member: 'x', position: 12 },
      { source: 'posts', member: `${post}:7`, position: 3 },
      { source: 'posts', member: `${'b'.repeat(24)}:`, position: 4 },
      { source: 'posts', member: 'not-a-post:7', position: 5 },
      { source: 'graph', member: '7:8', position: 1 },
      { source: 'graph', member: '7:', position: 2 },
    ]);
    assert.deepEqual(scope, {
      users: [7],
      posts: [
        { id: post, authorId: 7 },
        { id: 'b'.repeat(24), authorId: null },
      ],
      follows: [{ followerId: 7, followeeId: 8 }],
    });
  });
});

/**
 * The reconciler's client answered from an in-memory snapshot, as each service answers from its store: pages in
 * key order, scoped listings of ids, totals. The services' own answers are tested against the real stores in their tests.
 */
function fakeClient(now: () => Snapshot): ReconcileClient {
  const pageOf = <T>(items: T[], key: (t: T) => string | number, after: string | null, limit: number) => {
    const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const rest = after === null ? sorted : sorted.filter((t) => String(key(t)).localeCompare(after, undefined, { numeric: true }) > 0);
    const page = rest.slice(0, limit);
    return { page, next: page.length === limit ? String(key(page.at(-1)!)) : null };
  };
  const emptyListing = () => ({ users: [], posts: [], follows: [] });
  const pair = (f: { followerId: number; followeeId: number }) => `${f.followerId}:${f.followeeId}`;
  const inScope = (scope: ReconcileScope) => ({
    users: new Set(scope.users),
    posts: new Set(scope.posts.map((p) => p.id)),
    follows: new Set(scope.follows.map(pair)),
  });
  return {
    async usersPage(after: number, limit: number) {
      return now().users.filter((u) => u.id > after).sort((a, b) => a.id - b.id).slice(0, limit);
    },
    async *livePosts() {
      yield* now().posts.posts;
    },
    async graphPage(kind: 'users' | 'posts' | 'follows', after: string | null, limit: number) {
      const g = now().graph;
      if (kind === 'users') { const { page, next } = pageOf(g.users, (u) => u.id, after, limit); return { listing: { ...emptyListing(), users: page }, next }; }
      if (kind === 'posts') { const { page, next } = pageOf(g.posts, (p) => p.id, after, limit); return { listing: { ...emptyListing(), posts: page }, next }; }
      const { page, next } = pageOf(g.follows, pair, after, limit);
      return { listing: { ...emptyListing(), follows: page }, next };
    },
    async analyticsPage(kind: 'users' | 'posts' | 'follows', after: string | null, limit: number) {
      const a = now().analytics;
      if (kind === 'users') { const { page, next } = pageOf(a.users, (u) => u.id, after, limit); return { listing: { ...emptyListing(), users: page }, next }; }
      if (kind === 'posts') { const { page, next } = pageOf(a.posts, (p) => p.id, after, limit); return { listing: { ...emptyListing(), posts: page }, next }; }
      const { page, next } = pageOf(a.follows, pair, after, limit);
      return { listing: { ...emptyListing(), follows: page }, next };
    },
    async cachePage(kind: 'profiles' | 'listing' | 'authors', after: string | null, limit: number) {
      const c = now().cache;
      if (kind === 'profiles') { const { page, next } = pageOf(c.profiles, (p) => p.id, after, limit); return { listing: { profiles: page, listed: [] }, next }; }
      if (kind === 'authors') {
        // By author, then id: the key is the author padded, so it sorts as a string.
        const key = (e: { id: string; authorId: number }) => `${String(e.authorId).padStart(16, '0')}:${e.id}`;
        const entries = c.listed.flatMap((l) => l.authorIds.map((authorId) => ({ id: l.id, authorId }))).sort((a, b) => (key(a) < key(b) ? -1 : 1));
        const page = entries.filter((e) => after === null || key(e) > after).slice(0, limit);
        return { listing: { profiles: [], listed: page.map((e) => ({ id: e.id, inListing: false, authorIds: [e.authorId] })) }, next: page.length === limit ? key(page.at(-1)!) : null };
      }
      const { page, next } = pageOf(c.listed.filter((l) => l.inListing), (l) => l.id, after, limit);
      return { listing: { profiles: [], listed: page.map((l) => ({ id: l.id, inListing: true, authorIds: [] })) }, next };
    },
    async graphTotals() {
      const g = now().graph;
      return { users: g.users.length, posts: g.posts.length, follows: g.follows.length };
    },
    async analyticsTotals() {
      const a = now().analytics;
      return { users: a.users.filter((u) => u.latest !== 'USER_DELETED').length, posts: a.posts.filter((p) => p.created && !p.deleted).length, follows: a.follows.filter((f) => f.latest === 'FOLLOW_CREATED').length };
    },
    async cacheTotals() {
      const listed = now().cache.listed;
      return { listing: listed.filter((l) => l.inListing).length, authorListings: listed.reduce((n, l) => n + l.authorIds.length, 0) };
    },
    async usersAmong(ids: readonly number[]) {
      return now().users.filter((u) => ids.includes(u.id));
    },
    async postsAmong(scope: ReconcileScope) {
      const ids = inScope(scope).posts;
      return { posts: now().posts.posts.filter((p) => ids.has(p.id)) };
    },
    async graphAmong(scope: ReconcileScope) {
      const s = inScope(scope);
      const g = now().graph;
      return { users: g.users.filter((u) => s.users.has(u.id)), posts: g.posts.filter((p) => s.posts.has(p.id)), follows: g.follows.filter((f) => s.follows.has(pair(f))) };
    },
    async analyticsAmong(scope: ReconcileScope) {
      const s = inScope(scope);
      const a = now().analytics;
      return { users: a.users.filter((u) => s.users.has(Number(u.id))), posts: a.posts.filter((p) => s.posts.has(p.id)), follows: a.follows.filter((f) => s.follows.has(pair(f))) };
    },
    async cacheAmong(scope: ReconcileScope) {
      const s = inScope(scope);
      // The listings of the authors each post is named with (one entry per post, as the service answers).
      const authors = new Map<string, number[]>();
      for (const p of scope.posts) if (p.authorId !== null) authors.set(p.id, [...(authors.get(p.id) ?? []), p.authorId]);
      const c = now().cache;
      return {
        profiles: c.profiles.filter((p) => s.users.has(p.id)),
        listed: c.listed
          .filter((l) => s.posts.has(l.id))
          .map((l) => ({ id: l.id, inListing: l.inListing, authorIds: l.authorIds.filter((a) => authors.get(l.id)?.includes(a)) }))
          .filter((l) => l.inListing || l.authorIds.length > 0),
      };
    },
  } as unknown as ReconcileClient;
}

describe('the full check, streamed a batch at a time', () => {
  const logger = pino({ level: 'silent' });
  test('batch by batch it finds what one listing of everything finds, extras included', async () => {
    const drifted = healthy();
    drifted.users = [...drifted.users, user(4, 'Dee'), user(5, 'Eve')];
    drifted.graph.users.push({ id: 4, name: 'Dee' }, { id: 9, name: 'Ghost' });
    drifted.graph.posts.push({ id: P3, authors: [1] });
    drifted.cache.listed.push({ id: P2, inListing: true, authorIds: [1] });
    drifted.analytics.users.push({ id: '4', created: true, latest: 'USER_CREATED' }, { id: '5', created: true, latest: 'USER_CREATED' }, { id: '8', created: true, latest: 'USER_UPDATED' });
    drifted.cache.profiles.push({ id: 7, name: 'Gone', email: 'gone@example.test', position: 1, digest: 'd7' });
    const key = (f: { drift: { store: string; kind: string; entity: string; id: string } }) => `${f.drift.store} ${f.drift.kind} ${f.drift.entity} ${f.drift.id}`;
    const whole = findDrift(drifted).findings.map(key).sort();
    for (const batch of [1, 2, 1000]) {
      const streamed = await fullCheck(fakeClient(() => drifted), new ProgressBoard(logger), batch);
      assert.deepEqual(streamed.findings.map(key).sort(), whole, `batches of ${batch}`);
      assert.equal(streamed.counts.users.postgres, 4);
      assert.equal(streamed.counts.posts.ferretdb, 1);
      assert.equal(streamed.counts.users.redis, 2);
    }
    assert.ok(whole.includes('neo4j extra user 9') && whole.includes('neo4j extra post ' + P3) && whole.includes('redis extra post ' + P2) && whole.includes('redis extra user 7') && whole.includes('timescaledb missing user 8'), whole.join('\n'));
  });

  test("an id only authors' listings hold, no live post, is found with those authors, whatever the batch, and looked at again there", async () => {
    const ghost = 'f'.repeat(24);
    const s = healthy();
    s.cache.listed.push({ id: ghost, inListing: false, authorIds: [1, 2] });
    for (const batch of [1, 1000]) {
      const { findings, counts } = await fullCheck(fakeClient(() => s), new ProgressBoard(logger), batch);
      assert.deepEqual(
        findings.map((f) => [f.drift.store, f.drift.kind, f.drift.id, f.fix]),
        [['redis', 'extra', ghost, { store: 'redis', op: 'unlist', id: ghost, inListing: false, authorIds: [1, 2] }]],
        `batches of ${batch}`,
      );
      assert.deepEqual(counts.posts, { ferretdb: 1, neo4j: 1, timescaledb: 1, redis: 1, redisAuthorListings: 3 });
      // No source names the authors of a post that is gone: the second look asks their listings, from the repair.
      assert.deepEqual(scopeOfFindings(findings).posts, [
        { id: ghost, authorId: 1 },
        { id: ghost, authorId: 2 },
      ]);
    }
    const journal = { fullCheckBegins: async () => undefined, fullCheckEnded: async () => 0 } as unknown as ChangeJournal;
    const report = await reconcile({ reconcile: fakeClient(() => s), pipeline: { settled: async () => true }, journal, progress: new ProgressBoard(logger), logger }, { settleMs: 50 });
    assert.deepEqual(report.drift, [{ kind: 'extra', store: 'redis', entity: 'post', id: ghost, expected: null, actual: 'listed by author 1, 2 (no such live post)' }]);
  });

  test('its progress: a phase and counts while it runs, null after', async () => {
    const board = new ProgressBoard(logger);
    const phases: string[] = [];
    const client = fakeClient(() => {
      if (board.current) phases.push(board.current.phase);
      return healthy();
    });
    board.begin('full');
    await fullCheck(client, board, 1);
    assert.deepEqual(board.current?.checked, { users: 2, posts: 1, follows: 1, extras: 1 });
    board.end();
    assert.equal(board.current, null);
    assert.ok(phases.includes('users (PostgreSQL)') && phases.includes('posts (document store)') && phases.includes('follows (Neo4j)'), phases.join(', '));
  });
});
