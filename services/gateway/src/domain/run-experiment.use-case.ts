// The consistency lab: N writes of one kind at a fixed rate in one mode, each
// followed at once by a read of the changed entity from every store; a read
// is stale when the store does not show that write yet. Time-to-visible comes
// from what the projections measured (source commit → applied).
//
// Each experiment also records its history (docs/history-checker.md): every
// write (the lab's own users' creation too) and, right after each, every
// store's view of the entity with its source position, then the final
// section; the history checker's verdict on it is part of the result.
import { randomBytes, randomUUID } from 'node:crypto';
import type { User } from '@polyglot/contracts/api';
import { feedGenerationKey, userKey } from '@polyglot/contracts/cache-keys';
import { parseToken, PROJECTION_STORES, type ConsistencyMode, type ConsistencyToken, type ProjectionName } from '@polyglot/contracts/consistency';
import type { HistoryEntity, HistoryLine } from '@polyglot/contracts/history';
import type { ExperimentInput, ExperimentKind, ExperimentResult, LabVerdict } from '@polyglot/contracts/lab';
import { HistoryRecorder, type Client, type WriteRecord } from '@polyglot/platform/history-recorder';
import { LatencyWindow } from '@polyglot/platform/latency';
import { awaitProjections, awaitStrongWrite, ConsistencyTimeoutError, projectionsFor } from './consistency.use-case.ts';
import { follow } from './follows.use-case.ts';
import type { Caller, GatewayDeps } from './gateway-deps.ts';
import { labVerdict, outcomeOf, ProcessPool, recordFinals } from './lab-history.ts';
import { listPosts } from './list-posts.use-case.ts';
import { observeEntities } from './observe-entities.use-case.ts';
import { createPost } from './post-writes.use-case.ts';
import { createUser, updateUser } from './user-writes.use-case.ts';

const STRONG_WAIT_MS = 5000;
const VISIBILITY_WAIT_MS = 10_000;

type Deps = Pick<
  GatewayDeps,
  'users' | 'posts' | 'graph' | 'analytics' | 'redis' | 'stateRedis' | 'watermarks' | 'userCache' | 'postCache' | 'listing' | 'pages' | 'sessions' | 'attempts' | 'config' | 'redisObserver' | 'historyChecker' | 'testFaults'
>;

/** One write of the experiment: its token, and per store whether a read now shows it. */
interface Trial {
  token: ConsistencyToken | null;
  fresh: Partial<Record<ProjectionName, boolean>>;
}

interface Plan {
  /** The i-th write, recorded as this client's; then every store's view of its entity, recorded too. */
  write(i: number, client: Client): Promise<Trial>;
}

export async function runExperiment(deps: Deps, caller: Caller, input: ExperimentInput): Promise<ExperimentResult> {
  const id = randomUUID().slice(0, 8);
  const lines: HistoryLine[] = [];
  const history = new HistoryRecorder((line) => lines.push(line));
  // The lab writes only the users, posts and follows it creates itself, for an admin already let in
  // (requireAdmin): ownership is not the admin's, so the writes go as the lab's own, with no session actor.
  const plan = await prepare(deps, { ...caller, actor: null }, input, id, history);
  const processes = new ProcessPool();
  const started = Date.now();
  const latency = new LatencyWindow();
  const trials: Trial[] = [];
  let failedWrites = 0;
  const interval = 1000 / input.rate;
  const running: Promise<void>[] = [];
  for (let i = 0; i < input.writes; i++) {
    // Open loop: each write leaves on schedule, whether or not earlier ones answered.
    const due = started + i * interval;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    running.push(
      (async () => {
        const t0 = performance.now();
        const process = processes.take();
        try {
          trials.push(await plan.write(i, { process, session: `lab-${id}-${process}`, mode: input.mode }));
        } catch {
          failedWrites++;
        } finally {
          processes.give(process);
          latency.record(performance.now() - t0);
        }
      })(),
    );
  }
  await Promise.all(running);
  const durationMs = Date.now() - started;
  const projections = projectionsOf(input.kind);
  const visible = await timesToVisible(deps, trials, projections);
  const stores = Object.fromEntries(
    [...(input.kind === 'follows' ? (['graph'] as const) : []), ...projections].map((p) => {
      const reads = trials.filter((t) => t.fresh[p] !== undefined);
      const stale = reads.filter((t) => t.fresh[p] === false).length;
      const role = input.kind === 'follows' && p === 'graph' ? ('source' as const) : ('projection' as const);
      return [p, { store: PROJECTION_STORES[p], role, reads: reads.length, stale, staleRatio: reads.length ? stale / reads.length : 0, timeToVisibleMs: visible.get(p)?.summary() ?? new LatencyWindow().summary() }];
    }),
  );
  // timesToVisible waited for the projections: the stores have had their chance to agree.
  await recordFinals(deps, history, Date.now() + VISIBILITY_WAIT_MS);
  const judged = await judge(deps, lines);
  return { id, input: { ...input }, startedAt: new Date(started).toISOString(), durationMs, failedWrites, writeLatencyMs: latency.summary(), stores, ...judged };
}

/** The checker's verdict on the recorded history, or why there is none (the experiment's figures stand either way). */
async function judge(deps: Deps, lines: readonly HistoryLine[]): Promise<{ verdict: LabVerdict | null; verdictError: string | null }> {
  try {
    const verdict = await deps.historyChecker.check(lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
    return { verdict: labVerdict(verdict, lines.length), verdictError: null };
  } catch (error) {
    return { verdict: null, verdictError: (error as Error).message };
  }
}

/**
 * Runs one write, recorded: ok with its token, info when its outcome is unknown (a strong write that timed
 * out, with its token; no answer), fail when it did not happen. Answers the token, settled in `mode`.
 */
async function recordedWrite(deps: Deps, op: WriteRecord, mode: ConsistencyMode, entity: HistoryEntity | undefined, write: () => Promise<{ token: string | null }>): Promise<ConsistencyToken | null> {
  let text: string | null;
  try {
    ({ token: text } = await write());
  } catch (error) {
    const { type, code } = outcomeOf(error);
    if (type === 'fail') op.fail(code);
    else op.info({ error: code });
    throw error;
  }
  if (text === null) {
    // The write changed nothing (a follow that was there already): no new state, no position.
    op.fail('NO_CHANGE');
    return null;
  }
  let late: boolean;
  try {
    late = await settle(deps, mode, text);
  } catch (error) {
    // Committed (it has its token), but whether the projections show it is not known.
    op.info({ token: text, error: outcomeOf(error).code, ...(entity ? { entity } : {}) });
    throw error;
  }
  if (late) op.info({ token: text, error: 'CONSISTENCY_TIMEOUT', ...(entity ? { entity } : {}) });
  else op.ok(text, entity);
  return parseToken(text);
}

/**
 * The lab's own reads of the stores (fresh or stale) beside the recorded read of every store's view: the
 * recorded one always ends before this does, even when the others fail, so the client's next write finds
 * its process free.
 */
async function readBoth<T>(recorded: Promise<void>, reads: () => Promise<T>): Promise<T> {
  try {
    return await reads();
  } finally {
    await recorded;
  }
}

/** Every store's view of the entity, recorded as the client's read; never throws (a failed read is recorded so). */
async function recordedRead(deps: Deps, history: HistoryRecorder, client: Client, entity: HistoryEntity): Promise<void> {
  const read = history.read(client, entity);
  try {
    const seen = await observeEntities(deps, { entities: [entity] });
    read.ok(seen.entities[entity]?.observed ?? {});
  } catch (error) {
    read.fail(outcomeOf(error).code);
  }
}

function projectionsOf(kind: ExperimentKind): ProjectionName[] {
  return projectionsFor({ source: kind === 'users' ? 'users' : kind === 'posts' ? 'posts' : 'graph', entityId: '0', position: 0 });
}

/** In strong mode a write answers once every projection shows it (as the public API's ?consistency=strong); true: it did not in time. */
async function settle(deps: Deps, mode: ConsistencyMode, tokenText: string): Promise<boolean> {
  const token = parseToken(tokenText);
  if (token && mode === 'strong') {
    try {
      await awaitStrongWrite(deps, token, STRONG_WAIT_MS);
    } catch (error) {
      if (!(error instanceof ConsistencyTimeoutError)) throw error;
      // Late: the reads below show how stale the stores were when the client gave up waiting.
      return true;
    }
  }
  return false;
}

async function prepare(deps: Deps, caller: Caller, input: ExperimentInput, id: string, history: HistoryRecorder): Promise<Plan> {
  // Lab users, created and settled before the clock starts, so only the experiment's writes are measured.
  // Their creation is in the history too: the stores' views of them start from it.
  const setup: Client = { process: 0, session: `lab-${id}-setup`, mode: 'eventual' };
  const count = input.kind === 'users' ? Math.min(10, input.writes) : input.kind === 'posts' ? 1 : Math.ceil(Math.sqrt(input.writes)) + 1;
  const users: User[] = [];
  for (let i = 0; i < count; i++) {
    let created: User | undefined;
    const token = await recordedWrite(deps, history.write(setup, null, false), 'eventual', undefined, async () => {
      const written = await createUser(deps, caller, { email: `lab-${id}-${i}@lab.example`, name: `Lab ${id} #${i}`, password: randomBytes(12).toString('hex') });
      created = written.value;
      return written;
    });
    if (token) await awaitProjections(deps.watermarks, token, projectionsFor(token), VISIBILITY_WAIT_MS, 'write');
    users.push(created!);
  }
  const graphShows = async (source: 'users' | 'posts', entityId: string, position: number) => ((await deps.graph.shownPosition(source, entityId)) ?? -1) >= position;
  const analyticsShows = async (token: ConsistencyToken) => ((await deps.analytics.shownPosition(token.source, token.entityId)) ?? -1) >= token.position;

  if (input.kind === 'users') {
    return {
      async write(i, client) {
        const user = users[i % users.length]!;
        const entity: HistoryEntity = `users:${user.id}`;
        const token = await recordedWrite(deps, history.write(client, entity, false), input.mode, entity, () =>
          updateUser(deps, caller, user.id, { email: user.email, name: `Lab ${id} #${i % users.length} v${i}`, password: null }, 'lab'),
        );
        if (!token) return { token, fresh: {} };
        const [graph, cache, analytics] = await readBoth(recordedRead(deps, history, client, entity), () =>
          Promise.all([
            graphShows('users', token.entityId, token.position),
            deps.redis.get(userKey(user.id)).then((raw) => raw !== null && (JSON.parse(raw) as { position?: number }).position! >= token.position),
            analyticsShows(token),
          ]),
        );
        return { token, fresh: { graph, cache, analytics } };
      },
    };
  }
  if (input.kind === 'posts') {
    const author = users[0]!;
    return {
      async write(i, client) {
        let postId = '';
        const token = await recordedWrite(deps, history.write(client, null, false), input.mode, undefined, async () => {
          const written = await createPost(deps, caller, { author_id: author.id, title: `Lab ${id} post ${i}`, body: 'written by the consistency lab', tags: ['lab'], meta: {} });
          postId = written.value._id;
          return written;
        });
        if (!token) return { token, fresh: {} };
        // The cache read is GET /posts as a client makes it: the cached page until the projection invalidates it.
        const [graph, cache, analytics] = await readBoth(recordedRead(deps, history, client, `posts:${postId}`), () =>
          Promise.all([graphShows('posts', postId, 1), listPosts(deps, { limit: 50 }).then((page) => page.items.some((p) => p._id === postId)), analyticsShows(token)]),
        );
        return { token, fresh: { graph, cache, analytics } };
      },
    };
  }
  const pairs: Array<[number, number]> = users.flatMap((a) => users.filter((b) => b.id !== a.id).map((b) => [a.id, b.id] as [number, number]));
  return {
    async write(i, client) {
      const [followerId, followeeId] = pairs[i]!;
      const entity: HistoryEntity = `graph:${followerId}:${followeeId}`;
      const generation = Number((await deps.stateRedis.get(feedGenerationKey(followerId))) ?? 0);
      const token = await recordedWrite(deps, history.write(client, entity, false), input.mode, entity, () => follow(deps, caller, { followerId, followeeId }));
      if (!token) return { token, fresh: {} };
      // The follower's cached feed is invalidated by the cache projection bumping its generation.
      const [graph, cache, analytics] = await readBoth(recordedRead(deps, history, client, entity), () =>
        Promise.all([
          deps.graph.followees(followerId).then((ids) => ids.includes(followeeId)),
          deps.stateRedis.get(feedGenerationKey(followerId)).then((v) => Number(v ?? 0) > generation),
          analyticsShows(token),
        ]),
      );
      return { token, fresh: { graph, cache, analytics } };
    },
  };
}

/** Per projection, the measured commit → applied of every write, waiting (bounded) for the late ones. */
async function timesToVisible(deps: Deps, trials: Trial[], projections: ProjectionName[]): Promise<Map<ProjectionName, LatencyWindow>> {
  const windows = new Map(projections.map((p) => [p, new LatencyWindow()] as const));
  const deadline = Date.now() + VISIBILITY_WAIT_MS;
  for (const { token } of trials) {
    if (!token) continue;
    await deps.watermarks.waitFor(token, projections, Math.max(0, deadline - Date.now()));
    const seen = await deps.watermarks.visibility(token, projections).catch(() => null);
    for (const p of projections) {
      const ms = seen?.projections[p]?.visibleAfterMs;
      if (typeof ms === 'number') windows.get(p)!.record(ms);
    }
  }
  return windows;
}
