// The full check, streamed: every entity of every store, a batch at a time, so
// the reconciler holds one batch (and the drift it found), whatever the size.
//
// 1. Each source in its own order: users by id (PostgreSQL), live posts as
//    FerretDB's cursor reads them (it can neither sort nor range-filter inside
//    PostgreSQL), follows by follower and followee (Neo4j). Each batch is a
//    scope: every projection is asked about those ids only (scoped-snapshot.ts),
//    which finds what a projection lacks or holds stale.
// 2. What a projection holds that no source has: a projection that holds no
//    more entities than the sources' entities it was found to hold in step 1
//    holds no extra one. Only a projection that holds more is read through in
//    its own key order, each id looked up at its source. Cached profiles have no
//    count to compare (the cache may hold any of them), so they are always read
//    through: a SCAN, and a lookup in PostgreSQL, both cheap. The authors'
//    listings are counted together: the entries of every author's listing
//    against the sources' posts found in their author's.
//
// The counts of entities in flight can differ for a moment; the extra read that
// follows then only costs time, since only drift seen again after the pipeline
// settled is reported.
import type { PostsListing, ReconcileCounts, ReconcileProgress, ReconcileScope } from '@polyglot/contracts/reconcile';
import type { Logger } from '@polyglot/platform/logger';
import type { ReconcileClient } from '../data-access/reconcile.client.ts';
import { findDrift, findingKey, type Finding } from './find-drift.ts';
import { scopedSnapshot, type KnownSources } from './scoped-snapshot.ts';

export const FULL_CHECK_BATCH = 2000;
const PROGRESS_LOG_EVERY_MS = 5000;

type Entity = Finding['drift']['entity'];

/** Where a running check is: what it has read so far, for GET /reconcile/progress and the log. */
type CheckProgress = NonNullable<ReconcileProgress['running']>;

export class ProgressBoard {
  #current: CheckProgress | null = null;
  #started = 0;
  #lastLog = 0;
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  get current(): CheckProgress | null {
    return this.#current;
  }

  begin(scope: CheckProgress['scope']): void {
    this.#started = Date.now();
    this.#lastLog = this.#started;
    this.#current = { scope, phase: 'starting', startedAt: new Date(this.#started).toISOString(), checked: { users: 0, posts: 0, follows: 0, extras: 0 }, perSecond: 0 };
  }

  phase(name: string): void {
    if (!this.#current) return;
    this.#current.phase = name;
    this.#logger.info({ phase: name, checked: this.#current.checked }, 'reconcile: next phase');
  }

  add(kind: keyof CheckProgress['checked'], n: number): void {
    const current = this.#current;
    if (!current) return;
    current.checked[kind] += n;
    const elapsed = (Date.now() - this.#started) / 1000;
    const total = Object.values(current.checked).reduce((a, b) => a + b, 0);
    current.perSecond = elapsed > 0 ? Math.round(total / elapsed) : 0;
    if (Date.now() - this.#lastLog >= PROGRESS_LOG_EVERY_MS) {
      this.#lastLog = Date.now();
      this.#logger.info({ phase: current.phase, checked: current.checked, perSecond: current.perSecond }, 'reconcile: progress');
    }
  }

  end(): void {
    this.#current = null;
  }
}

const emptyScope = (): ReconcileScope => ({ users: [], posts: [], follows: [] });

/** Batches compared at once. */
const BATCHES_IN_FLIGHT = 3;

/** Up to `limit` pieces of work at once, oldest awaited first; a failure is thrown by the next add or by drain. */
class InFlight {
  readonly #limit: number;
  #pending: Promise<void>[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  async add(work: () => Promise<void>): Promise<void> {
    if (this.#pending.length >= this.#limit) await this.#pending.shift();
    const running = work();
    // Awaited later (above, or in drain): marked handled now, so a failure meanwhile is not an unhandled rejection.
    running.catch(() => undefined);
    this.#pending.push(running);
  }

  async drain(): Promise<void> {
    const pending = this.#pending.splice(0);
    await Promise.all(pending);
  }
}

/** The findings of one batch, only those about `entities` (a batch also looks at the users its posts and follows name). */
class Findings {
  readonly #byKey = new Map<string, Finding>();

  add(findings: readonly Finding[], entities: readonly Entity[]): void {
    for (const f of findings) {
      if (!entities.includes(f.drift.entity)) continue;
      const key = findingKey(f.drift);
      const before = this.#byKey.get(key)?.fix;
      // An id found in several authors' listings, a page apart: the second look is asked about all of them.
      if (before?.op === 'unlist' && f.fix?.op === 'unlist') {
        this.#byKey.set(key, { drift: f.drift, fix: { ...f.fix, inListing: before.inListing || f.fix.inListing, authorIds: [...new Set([...before.authorIds, ...f.fix.authorIds])] } });
      } else this.#byKey.set(key, f);
    }
  }

  get all(): Finding[] {
    return [...this.#byKey.values()];
  }
}

/** The first look of a full check: every drift it saw (to be confirmed after the pipeline settles), and each store's count. */
export async function fullCheck(client: ReconcileClient, progress: ProgressBoard, batch = FULL_CHECK_BATCH): Promise<{ findings: Finding[]; counts: ReconcileCounts }> {
  const findings = new Findings();
  const look = async (scope: ReconcileScope, known: KnownSources, entities: readonly Entity[]) => {
    // A pass over posts or follows compares only those: the projections are not asked about their users.
    const snapshot = await scopedSnapshot(client, scope, known, entities.includes('user'));
    findings.add(findDrift(snapshot).findings, entities);
    return snapshot;
  };
  // What each projection was found to hold of the sources' entities.
  const held = { neo4jUsers: 0, timescaleUsers: 0, neo4jPosts: 0, timescalePosts: 0, listed: 0, authorListed: 0, timescaleFollows: 0 };
  const sources = { users: 0, posts: 0, follows: 0 };

  // The next batch is read while the last ones are compared: the work is spread over the stores' processes.
  const inFlight = new InFlight(BATCHES_IN_FLIGHT);

  progress.phase('users (PostgreSQL)');
  for (let after = 0; ; ) {
    const users = await client.usersPage(after, batch);
    if (users.length === 0) break;
    await inFlight.add(async () => {
      const snapshot = await look({ ...emptyScope(), users: users.map((u) => u.id) }, { users }, ['user']);
      held.neo4jUsers += snapshot.graph.users.length;
      held.timescaleUsers += snapshot.analytics.users.filter((u) => u.latest !== 'USER_DELETED').length;
      sources.users += users.length;
      progress.add('users', users.length);
    });
    if (users.length < batch) break;
    after = users.at(-1)!.id;
  }
  await inFlight.drain();

  progress.phase('posts (document store)');
  let posts: PostsListing['posts'] = [];
  const lookAtPosts = async (these: PostsListing['posts']) => {
    const snapshot = await look({ ...emptyScope(), posts: these.map((p) => ({ id: p.id, authorId: p.authorId })) }, { posts: these }, ['post']);
    held.neo4jPosts += snapshot.graph.posts.length;
    held.timescalePosts += snapshot.analytics.posts.filter((p) => p.created && !p.deleted).length;
    held.listed += snapshot.cache.listed.filter((l) => l.inListing).length;
    // Each post was asked about in its own author's listing only.
    held.authorListed += snapshot.cache.listed.filter((l) => l.authorIds.length > 0).length;
    sources.posts += these.length;
    progress.add('posts', these.length);
  };
  for await (const post of client.livePosts()) {
    posts.push(post);
    if (posts.length < batch) continue;
    const these = posts;
    posts = [];
    await inFlight.add(() => lookAtPosts(these));
  }
  if (posts.length > 0) await inFlight.add(() => lookAtPosts(posts));
  await inFlight.drain();

  progress.phase('follows (Neo4j)');
  for (let after: string | null = null; ; ) {
    const page = await client.graphPage('follows', after, batch);
    const follows = page.listing.follows.map((f) => ({ followerId: f.followerId, followeeId: f.followeeId }));
    if (follows.length > 0) {
      await inFlight.add(async () => {
        const snapshot = await look({ ...emptyScope(), follows }, {}, ['follow']);
        held.timescaleFollows += snapshot.analytics.follows.filter((f) => f.latest === 'FOLLOW_CREATED').length;
        sources.follows += follows.length;
        progress.add('follows', follows.length);
      });
    }
    if (page.next === null) break;
    after = page.next;
  }
  await inFlight.drain();

  // ---- what the projections hold beyond the sources ----
  const [graphTotals, analyticsTotals, cacheTotals] = await Promise.all([client.graphTotals(), client.analyticsTotals(), client.cacheTotals()]);
  /** Reads a projection's ids through, and looks at those no source has. */
  const extras = async <Id>(label: string, next: (after: string | null) => Promise<{ ids: Id[]; next: string | null }>, absent: (ids: Id[]) => Promise<Id[]>, scopeOf: (ids: Id[]) => ReconcileScope, entity: Entity) => {
    progress.phase(`extras: ${label}`);
    for (let after: string | null = null; ; ) {
      const page = await next(after);
      progress.add('extras', page.ids.length);
      const gone = page.ids.length > 0 ? await absent(page.ids) : [];
      if (gone.length > 0) await look(scopeOf(gone), {}, [entity]);
      if (page.next === null) break;
      after = page.next;
    }
  };
  const absentUsers = async (ids: number[]) => {
    const existing = new Set((await client.usersAmong(ids)).map((u) => u.id));
    return ids.filter((id) => !existing.has(id));
  };
  const absentPosts = async (ids: string[]) => {
    const live = new Set((await client.postsAmong({ ...emptyScope(), posts: ids.map((id) => ({ id, authorId: null })) })).posts.map((p) => p.id));
    return ids.filter((id) => !live.has(id));
  };
  const usersScope = (ids: number[]): ReconcileScope => ({ ...emptyScope(), users: ids });
  const postsScope = (ids: string[]): ReconcileScope => ({ ...emptyScope(), posts: ids.map((id) => ({ id, authorId: null })) });
  const userIds = (ids: readonly (number | string)[]) => ids.map(Number).filter((id) => Number.isSafeInteger(id) && id > 0);

  let profiles = 0;
  await extras(
    'cached profiles (Redis)',
    async (after) => {
      const page = await client.cachePage('profiles', after, batch);
      profiles += page.listing.profiles.length;
      return { ids: page.listing.profiles.map((p) => p.id), next: page.next };
    },
    absentUsers,
    usersScope,
    'user',
  );
  if (graphTotals.users > held.neo4jUsers) {
    await extras('users (Neo4j)', async (after) => { const p = await client.graphPage('users', after, batch); return { ids: p.listing.users.map((u) => u.id), next: p.next }; }, absentUsers, usersScope, 'user');
  }
  if (analyticsTotals.users > held.timescaleUsers) {
    await extras('users (TimescaleDB)', async (after) => { const p = await client.analyticsPage('users', after, batch); return { ids: userIds(p.listing.users.filter((u) => u.latest !== 'USER_DELETED').map((u) => u.id)), next: p.next }; }, absentUsers, usersScope, 'user');
  }
  if (graphTotals.posts > held.neo4jPosts) {
    await extras('posts (Neo4j)', async (after) => { const p = await client.graphPage('posts', after, batch); return { ids: p.listing.posts.map((x) => x.id), next: p.next }; }, absentPosts, postsScope, 'post');
  }
  if (analyticsTotals.posts > held.timescalePosts) {
    await extras('posts (TimescaleDB)', async (after) => { const p = await client.analyticsPage('posts', after, batch); return { ids: p.listing.posts.filter((x) => x.created && !x.deleted).map((x) => x.id), next: p.next }; }, absentPosts, postsScope, 'post');
  }
  if (cacheTotals.listing > held.listed) {
    await extras('the listing of live posts (Redis)', async (after) => { const p = await client.cachePage('listing', after, batch); return { ids: p.listing.listed.map((x) => x.id), next: p.next }; }, absentPosts, postsScope, 'post');
  }
  if (cacheTotals.authorListings > held.authorListed) {
    // Each entry with the author whose listing holds it: a post that is gone is found there, and no source names that author.
    type Entry = { id: string; authorId: number };
    await extras<Entry>(
      "the authors' listings (Redis)",
      async (after) => { const p = await client.cachePage('authors', after, batch); return { ids: p.listing.listed.flatMap((x) => x.authorIds.map((authorId) => ({ id: x.id, authorId }))), next: p.next }; },
      async (entries) => {
        const gone = new Set(await absentPosts([...new Set(entries.map((e) => e.id))]));
        return entries.filter((e) => gone.has(e.id));
      },
      (entries) => ({ ...emptyScope(), posts: entries }),
      'post',
    );
  }
  if (analyticsTotals.follows > held.timescaleFollows) {
    type Pair = { followerId: number; followeeId: number };
    await extras<Pair>(
      'follows (TimescaleDB)',
      async (after) => { const p = await client.analyticsPage('follows', after, batch); return { ids: p.listing.follows.filter((f) => f.latest === 'FOLLOW_CREATED').map((f) => ({ followerId: f.followerId, followeeId: f.followeeId })), next: p.next }; },
      async (pairs) => {
        const edges = new Set((await client.graphAmong({ ...emptyScope(), follows: pairs })).follows.map((f) => `${f.followerId}->${f.followeeId}`));
        return pairs.filter((f) => !edges.has(`${f.followerId}->${f.followeeId}`));
      },
      (pairs) => ({ ...emptyScope(), follows: pairs }),
      'follow',
    );
  }

  const counts: ReconcileCounts = {
    users: { postgres: sources.users, neo4j: graphTotals.users, redis: profiles, timescaledb: analyticsTotals.users },
    posts: { ferretdb: sources.posts, neo4j: graphTotals.posts, timescaledb: analyticsTotals.posts, redis: cacheTotals.listing, redisAuthorListings: cacheTotals.authorListings },
    follows: { neo4j: sources.follows, timescaledb: analyticsTotals.follows },
  };
  return { findings: findings.all, counts };
}

/**
 * The entities some findings are about, as a scope: what a second look compares again. A post is looked
 * up by id (its author comes from the source), and also in the listings of the authors a repair would
 * take it off: a post that is gone has no author at the source to name them.
 */
export function scopeOfFindings(findings: readonly Finding[]): ReconcileScope {
  const scope = emptyScope();
  const users = new Set<number>();
  const posts = new Map<string, Set<number>>();
  const follows = new Map<string, { followerId: number; followeeId: number }>();
  for (const { drift, fix } of findings) {
    if (drift.entity === 'user' && /^[1-9][0-9]{0,15}$/.test(drift.id)) users.add(Number(drift.id));
    else if (drift.entity === 'post' && /^[0-9a-f]{24}$/.test(drift.id)) {
      const authors = posts.get(drift.id) ?? new Set<number>();
      if (fix?.op === 'unlist') for (const authorId of fix.authorIds) authors.add(authorId);
      posts.set(drift.id, authors);
    } else if (drift.entity === 'follow') {
      const [followerId, followeeId] = drift.id.split('->').map(Number) as [number, number];
      if (Number.isSafeInteger(followerId) && followerId > 0 && Number.isSafeInteger(followeeId) && followeeId > 0) follows.set(drift.id, { followerId, followeeId });
    }
  }
  scope.users = [...users];
  scope.posts = [...posts].flatMap(([id, authors]): ReconcileScope['posts'] => (authors.size === 0 ? [{ id, authorId: null }] : [...authors].map((authorId) => ({ id, authorId }))));
  scope.follows = [...follows.values()];
  return scope;
}
