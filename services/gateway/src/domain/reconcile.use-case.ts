// The reconciler: compares every store with its source of truth and reports
// the drift (GET /reconcile), or repairs it from that source (POST
// /reconcile/repair). Each store is read and written only through the service
// that owns it, with one listing and one repair request per store.
//
// A busy system has changes in flight: a user just created is in PostgreSQL
// but not yet in Neo4j. So a first comparison only names suspects; the
// reconciler then waits until the pipeline has settled (every projection's
// lag and every relay's backlog 0, or about 2 s) and compares again. Only
// drift seen both times is reported.
//
// The incremental check (scope "changes") compares only the entities the change
// journal names: those changed since it last looked, oldest source position
// first, JOURNAL_LOOK per source at a time. Each store is asked about those ids
// only, through its indexes, so its cost follows the changes, not the data.
import { setTimeout as sleep } from 'node:timers/promises';
import { MAX_SCOPE, type CacheRepair, type Drift, type GraphRepair, type AnalyticsRepair, type ReconcileCounts, type ReconcileReport, type ReconcileScope, type RepairReport } from '@polyglot/contracts/reconcile';
import type { Logger } from '@polyglot/platform/logger';
import { waitFor } from '@polyglot/platform/wait-for';
import { createChangeJournal, type ChangeJournal, type JournalEntry, type JournalRead } from '../data-access/change-journal.ts';
import { createReconcileClient, type ReconcileClient } from '../data-access/reconcile.client.ts';
import { checkHealth } from './check-health.use-case.ts';
import { findDrift, findingKey, type Finding, type Fix, type Snapshot } from './find-drift.ts';
import { fullCheck, ProgressBoard, scopeOfFindings } from './full-check.ts';
import { scopedSnapshot } from './scoped-snapshot.ts';
import type { GatewayDeps } from './gateway-deps.ts';

export interface PipelineProbe {
  /** true when every projection has lag 0 and every relay an empty backlog. */
  settled(): Promise<boolean>;
}

export interface ReconcileDeps {
  reconcile: ReconcileClient;
  pipeline: PipelineProbe;
  journal: ChangeJournal;
  /** Where the running check is (GET /reconcile/progress). */
  progress: ProgressBoard;
  logger: Logger;
}

export type ReconcileScopeKind = 'full' | 'changes';

export interface ReconcileOptions {
  /** The longest wait for the pipeline to settle before the second comparison. */
  settleMs?: number;
  /** full (default): every entity; changes: those the change journal names. */
  scope?: ReconcileScopeKind;
}

/** Nothing in flight: every projection's lag and every relay's backlog is 0 (a component that does not answer is not settled). */
export function pipelineSettled(pipeline: { projections: Record<string, unknown>; relays: Record<string, unknown> }): boolean {
  const lags = Object.values(pipeline.projections).map((p) => (p as { lag?: unknown } | null)?.lag);
  const backlogs = Object.values(pipeline.relays).map((r) => (typeof r === 'number' ? r : (r as { backlog?: unknown } | null)?.backlog));
  return lags.length > 0 && [...lags, ...backlogs].every((n) => n === 0);
}

/** The reconciler's collaborators. app.ts builds one set per gateway, which REST and GraphQL share (and so its progress). */
export function createReconcileDeps(deps: GatewayDeps): ReconcileDeps {
  return {
    reconcile: createReconcileClient(deps.config),
    pipeline: { settled: async () => pipelineSettled((await checkHealth(deps)).report.pipeline) },
    journal: createChangeJournal(deps.stateRedis),
    progress: new ProgressBoard(deps.logger),
    logger: deps.logger,
  };
}

/** Before the second look: at least this long, so a change between Debezium and Kafka (not counted as lag) can land. */
const MIN_SETTLE_MS = 300;
const DEFAULT_SETTLE_MS = 2000;
/** After a repair, its own events (outbox writes, the posts cascade) go through the pipeline first. */
const AFTER_REPAIR_SETTLE_MS = 5000;
const CASCADE_CONCURRENCY = 4;

/** Waits until the pipeline reports nothing in flight, at least MIN_SETTLE_MS and at most maxMs. */
export async function waitForSettledPipeline(probe: PipelineProbe, maxMs: number): Promise<boolean> {
  const started = Date.now();
  await sleep(Math.min(MIN_SETTLE_MS, maxMs));
  return waitFor('the pipeline to settle', () => probe.settled(), { timeoutMs: Math.max(0, maxMs - (Date.now() - started)), intervalMs: 100 }).then(
    () => true,
    () => false,
  );
}

const numberOf = (text: string | undefined): number | null => (text !== undefined && /^[1-9][0-9]{0,15}$/.test(text) ? Number(text) : null);

/** How many changes per source one look takes from the journal. */
export const JOURNAL_LOOK = Math.floor(MAX_SCOPE / 5);

/** The entities the journal names, as a scope. */
export function scopeOf(entries: readonly JournalEntry[]): ReconcileScope {
  const users = new Set<number>();
  const posts = new Map<string, number | null>();
  const follows = new Map<string, { followerId: number; followeeId: number }>();
  for (const { source, member } of entries) {
    const [first, second] = member.split(':');
    if (source === 'users') {
      const id = numberOf(first);
      if (id !== null) users.add(id);
    } else if (source === 'posts') {
      if (first && /^[0-9a-f]{24}$/.test(first)) posts.set(first, numberOf(second) ?? posts.get(first) ?? null);
    } else {
      const [followerId, followeeId] = [numberOf(first), numberOf(second)];
      if (followerId !== null && followeeId !== null) follows.set(member, { followerId, followeeId });
    }
  }
  return { users: [...users], posts: [...posts].map(([id, authorId]) => ({ id, authorId })), follows: [...follows.values()] };
}

type Compared = { findings: Finding[]; counts: ReconcileCounts };

/**
 * A first look, then the drift it saw looked at again (those entities only) once the pipeline has settled:
 * only what persists is reported, with the counts of the latest look.
 */
async function compare(deps: ReconcileDeps, options: ReconcileOptions, scope: ReconcileScopeKind, firstLook: () => Promise<Compared>, lookAgain: (suspects: Finding[]) => Promise<Snapshot>): Promise<{ findings: Finding[]; report: ReconcileReport }> {
  const started = Date.now();
  deps.progress.begin(scope);
  try {
    const first = await firstLook();
    let result = first;
    let passes = 1;
    if (first.findings.length > 0) {
      deps.progress.phase('the drift seen, again once the pipeline settled');
      const suspects = new Set(first.findings.map((f) => findingKey(f.drift)));
      await waitForSettledPipeline(deps.pipeline, options.settleMs ?? DEFAULT_SETTLE_MS);
      const second = findDrift(await lookAgain(first.findings));
      result = { findings: second.findings.filter((f) => suspects.has(findingKey(f.drift))), counts: scope === 'full' ? first.counts : second.counts };
      passes = 2;
      if (result.findings.length < suspects.size) deps.logger.info({ suspects: suspects.size, confirmed: result.findings.length }, 'reconcile: drift in flight on the first look left out');
    }
    const drift = result.findings.map((f) => f.drift);
    return {
      findings: result.findings,
      report: { checkedAt: new Date().toISOString(), durationMs: Date.now() - started, passes, drift, counts: result.counts, total: drift.length, scope, changes: null },
    };
  } finally {
    deps.progress.end();
  }
}

/** A comparison of the scope the options name; for "changes", with the journal it read, to forget once done. */
async function compareScope(deps: ReconcileDeps, options: ReconcileOptions): Promise<{ findings: Finding[]; report: ReconcileReport; journal: JournalRead | null }> {
  if (options.scope !== 'changes') {
    // Everything is compared from here on: the journal's changes so far are covered, and what it lost
    // to its limit no longer matters.
    await deps.journal.fullCheckBegins();
    // The full check streams every entity (full-check.ts); the second look is only at what it saw drift in.
    const compared = await compare(deps, options, 'full', () => fullCheck(deps.reconcile, deps.progress), (suspects) => scopedSnapshot(deps.reconcile, scopeOfFindings(suspects)));
    await deps.journal.fullCheckEnded();
    return { ...compared, journal: null };
  }
  // A look's users are its users' changes and the people its posts and follows name (a post's
  // author as journaled and as stored, a follower and a followee): at most five per change, so a
  // fifth of MAX_SCOPE per source keeps them within one scope.
  const journal = await deps.journal.read(JOURNAL_LOOK);
  const { findings, report } = await compareJournaled(deps, options, journal);
  return { findings, report, journal };
}

/** The entities the journal named, compared: the incremental check, and its look again after a repair. */
async function compareJournaled(deps: ReconcileDeps, options: ReconcileOptions, journal: JournalRead): Promise<{ findings: Finding[]; report: ReconcileReport }> {
  const scope = scopeOf(journal.entries);
  const look = () => scopedSnapshot(deps.reconcile, scope);
  const compared = await compare(deps, options, 'changes', async () => findDrift(await look()), look);
  const changes = { users: scope.users.length, posts: scope.posts.length, follows: scope.follows.length, remaining: journal.remaining, overflowed: journal.overflowed };
  return { findings: compared.findings, report: { ...compared.report, changes } };
}

export async function reconcile(deps: ReconcileDeps, options: ReconcileOptions = {}): Promise<ReconcileReport> {
  const { report, journal } = await compareScope(deps, options);
  if (journal) await deps.journal.forget(journal.entries);
  return report;
}

interface Plan {
  graph: GraphRepair;
  cache: CacheRepair;
  analytics: AnalyticsRepair;
  cascadeAuthors: number[];
}

/** The fixes grouped per store, each entity once. */
export function planRepairs(fixes: readonly Fix[]): Plan {
  const upsertUsers = new Map<number, string>();
  const deleteUsers = new Set<number>();
  const deletePosts = new Set<string>();
  const linkPosts = new Map<string, number>();
  const refresh = new Map<number, CacheRepair['refresh'][number]>();
  const remove = new Map<number, CacheRepair['remove'][number]>();
  const list = new Map<string, CacheRepair['list'][number]>();
  const unlist = new Map<string, CacheRepair['unlist'][number]>();
  const users = new Map<string, AnalyticsRepair['users'][number]>();
  const posts = new Map<string, AnalyticsRepair['posts'][number]>();
  const follows = new Map<string, AnalyticsRepair['follows'][number]>();
  const unrecord = new Set<string>();
  const cascadeAuthors = new Set<number>();
  for (const fix of fixes) {
    switch (fix.op) {
      case 'upsertUser':
        upsertUsers.set(fix.id, fix.name);
        break;
      case 'deleteUser':
        deleteUsers.add(fix.id);
        break;
      case 'deletePost':
        deletePosts.add(fix.postId);
        break;
      case 'linkPost':
        linkPosts.set(fix.postId, fix.authorId);
        break;
      case 'refresh':
        refresh.set(fix.user.id, { digest: fix.digest, user: fix.user });
        break;
      case 'remove':
        remove.set(fix.id, { id: fix.id, digest: fix.digest });
        break;
      case 'list':
        list.set(fix.id, { id: fix.id, authorId: fix.authorId });
        break;
      case 'unlist':
        unlist.set(fix.id, { id: fix.id, inListing: fix.inListing, authorIds: fix.authorIds });
        break;
      case 'user':
        users.set(`${fix.row.id}:${fix.row.type}`, fix.row);
        break;
      case 'post':
        posts.set(`${fix.row.id}:${fix.row.type}`, fix.row);
        break;
      case 'follow':
        follows.set(`${fix.row.followerId}->${fix.row.followeeId}`, fix.row);
        break;
      case 'unrecordPostDeletion':
        unrecord.add(fix.postId);
        break;
      case 'deleteAuthorPosts':
        cascadeAuthors.add(fix.authorId);
        break;
    }
  }
  return {
    graph: {
      upsertUsers: [...upsertUsers].map(([id, name]) => ({ id, name })),
      deleteUsers: [...deleteUsers],
      deletePosts: [...deletePosts],
      linkPosts: [...linkPosts].map(([postId, authorId]) => ({ postId, authorId })),
    },
    cache: { refresh: [...refresh.values()], remove: [...remove.values()], list: [...list.values()], unlist: [...unlist.values()] },
    // USER_CREATED before the USER_UPDATED that may restore a user recorded as deleted.
    analytics: {
      users: [...users.values()].sort((a, b) => (a.type === 'USER_CREATED' ? -1 : 0) - (b.type === 'USER_CREATED' ? -1 : 0)),
      posts: [...posts.values()],
      follows: [...follows.values()],
      unrecordPostDeletions: [...unrecord],
    },
    cascadeAuthors: [...cascadeAuthors],
  };
}

const isEmpty = (lists: Record<string, readonly unknown[]>) => Object.values(lists).every((l) => l.length === 0);

async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Repairs the drift that persists, each store from its source of truth, then
 * lets the repairs' own events through the pipeline and compares afresh.
 * Every repair is idempotent: running it twice changes nothing more.
 */
export async function repair(deps: ReconcileDeps, options: ReconcileOptions = {}): Promise<RepairReport> {
  const started = Date.now();
  const { findings, journal } = await compareScope(deps, options);
  const fixable = findings.filter((f): f is Finding & { fix: Fix } => f.fix !== null);
  const plan = planRepairs(fixable.map((f) => f.fix));

  // The stores are independent: repaired side by side. A failure is reported after the others finished.
  const [graph, cache, analytics, ferretdb] = await Promise.allSettled([
    isEmpty(plan.graph) ? null : deps.reconcile.repairGraph(plan.graph),
    isEmpty(plan.cache) ? null : deps.reconcile.repairCache(plan.cache),
    isEmpty(plan.analytics) ? null : deps.reconcile.repairAnalytics(plan.analytics),
    plan.cascadeAuthors.length === 0
      ? null
      : mapLimited(plan.cascadeAuthors, CASCADE_CONCURRENCY, (id) => deps.reconcile.deleteAuthorPosts(id)).then((counts) => ({
          authors: counts.length,
          postsDeleted: counts.reduce((a, b) => a + b, 0),
        })),
  ]);
  const failed = [graph, cache, analytics, ferretdb].find((r) => r.status === 'rejected');
  const value = <T>(r: PromiseSettledResult<T | null>): T | null => (r.status === 'fulfilled' ? r.value : null);
  const actions = { neo4j: value(graph), redis: value(cache), timescaledb: value(analytics), ferretdb: value(ferretdb) };
  deps.logger.info({ drift: findings.length, actions }, 'reconcile: repaired');
  if (failed) throw (failed as PromiseRejectedResult).reason;

  if (fixable.length > 0) await waitForSettledPipeline(deps.pipeline, AFTER_REPAIR_SETTLE_MS);
  // The same entities again (the repairs' own changes are journaled for a later look).
  const report = journal === null ? await reconcile(deps, options) : (await compareJournaled(deps, options, journal)).report;
  if (journal) await deps.journal.forget(journal.entries);
  const repaired: Drift[] = fixable.map((f) => f.drift);
  return { repaired, actions, durationMs: Date.now() - started, report };
}
