// The consistency lab: N writes of one kind at a fixed rate in one mode, each
// followed at once by a read of the changed entity from every store; a read
// is stale when the store does not show that write yet. Time-to-visible comes
// from what the projections measured (source commit → applied).
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { User } from '@polyglot/contracts/api';
import { feedGenerationKey, userKey } from '@polyglot/contracts/cache-keys';
import { CONSISTENCY_MODES, parseToken, PROJECTION_STORES, PROJECTIONS, type ConsistencyMode, type ConsistencyToken, type ProjectionName } from '@polyglot/contracts/consistency';
import { LatencySummary } from '@polyglot/contracts/health';
import { LatencyWindow } from '@polyglot/platform/latency';
import { awaitProjections, ConsistencyTimeoutError, projectionsFor } from './consistency.use-case.ts';
import { follow } from './follows.use-case.ts';
import type { Caller, GatewayDeps } from './gateway-deps.ts';
import { listPosts } from './list-posts.use-case.ts';
import { createPost } from './post-writes.use-case.ts';
import { createUser, updateUser } from './user-writes.use-case.ts';

export const EXPERIMENT_KINDS = ['users', 'posts', 'follows'] as const;
type Kind = (typeof EXPERIMENT_KINDS)[number];

export const ExperimentInput = z
  .strictObject({
    mode: z.enum(CONSISTENCY_MODES),
    writes: z.number().int().min(1).max(500).describe('how many writes'),
    rate: z.number().min(0.5).max(100).describe('writes per second, sent on schedule (open loop)'),
    kind: z.enum(EXPERIMENT_KINDS).describe('users: renames; posts: new posts; follows: new follows'),
  })
  .refine((v) => v.writes / v.rate <= 120, { message: 'an experiment may last at most 120 s: lower writes or raise rate', path: ['writes'] });
export type ExperimentInput = z.infer<typeof ExperimentInput>;

export const StoreResult = z.object({
  store: z.string().describe('the engine read'),
  role: z.enum(['source', 'projection']).describe('source: where the write happened (always fresh); projection: fed by the pipeline'),
  reads: z.number().int(),
  stale: z.number().int().describe('reads, right after the write answered, that did not show it yet'),
  staleRatio: z.number(),
  timeToVisibleMs: LatencySummary.describe('source commit → applied in this store, as the projection measured it'),
});

export const ExperimentResult = z.object({
  id: z.string(),
  input: z.object({ mode: z.enum(CONSISTENCY_MODES), writes: z.number().int(), rate: z.number(), kind: z.enum(EXPERIMENT_KINDS) }),
  startedAt: z.iso.datetime(),
  durationMs: z.number(),
  failedWrites: z.number().int().describe('writes that answered an error (a strong write that timed out counts here, and its reads still run)'),
  writeLatencyMs: LatencySummary.describe('client side: the write request until its answer'),
  stores: z.partialRecord(z.enum(PROJECTIONS), StoreResult),
});
export type ExperimentResult = z.infer<typeof ExperimentResult>;

const STRONG_WAIT_MS = 5000;
const VISIBILITY_WAIT_MS = 10_000;

type Deps = Pick<GatewayDeps, 'users' | 'posts' | 'graph' | 'analytics' | 'redis' | 'stateRedis' | 'watermarks' | 'userCache' | 'postCache' | 'listing' | 'pages' | 'sessions' | 'attempts' | 'config'>;

/** One write of the experiment: its token, and per store whether a read now shows it. */
interface Trial {
  token: ConsistencyToken | null;
  fresh: Partial<Record<ProjectionName, boolean>>;
}

interface Plan {
  write(i: number): Promise<Trial>;
}

export async function runExperiment(deps: Deps, caller: Caller, input: ExperimentInput): Promise<ExperimentResult> {
  const id = randomUUID().slice(0, 8);
  // The lab writes only the users, posts and follows it creates itself, for an admin already let in
  // (requireAdmin): ownership is not the admin's, so the writes go as the lab's own, with no session actor.
  const plan = await prepare(deps, { ...caller, actor: null }, input, id);
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
        try {
          trials.push(await plan.write(i));
        } catch {
          failedWrites++;
        } finally {
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
  return { id, input: { ...input }, startedAt: new Date(started).toISOString(), durationMs, failedWrites, writeLatencyMs: latency.summary(), stores };
}

function projectionsOf(kind: Kind): ProjectionName[] {
  return projectionsFor({ source: kind === 'users' ? 'users' : kind === 'posts' ? 'posts' : 'graph', entityId: '0', position: 0 });
}

/** In strong mode a write answers once every projection shows it (as the public API's ?consistency=strong). */
async function settle(deps: Deps, mode: ConsistencyMode, tokenText: string | null): Promise<ConsistencyToken | null> {
  const token = tokenText === null ? null : parseToken(tokenText);
  if (token && mode === 'strong') {
    try {
      await awaitProjections(deps.watermarks, token, projectionsFor(token), STRONG_WAIT_MS, 'write');
    } catch (error) {
      if (!(error instanceof ConsistencyTimeoutError)) throw error;
      // Late: the reads below show how stale the stores were when the client gave up waiting.
    }
  }
  return token;
}

async function prepare(deps: Deps, caller: Caller, input: ExperimentInput, id: string): Promise<Plan> {
  // Lab users, created and settled before the clock starts, so only the experiment's writes are measured.
  const count = input.kind === 'users' ? Math.min(10, input.writes) : input.kind === 'posts' ? 1 : Math.ceil(Math.sqrt(input.writes)) + 1;
  const users: User[] = [];
  for (let i = 0; i < count; i++) {
    const created = await createUser(deps, caller, { email: `lab-${id}-${i}@lab.example`, name: `Lab ${id} #${i}`, password: randomBytes(12).toString('hex') });
    const token = created.token ? parseToken(created.token) : null;
    if (token) await awaitProjections(deps.watermarks, token, projectionsFor(token), VISIBILITY_WAIT_MS, 'write');
    users.push(created.value);
  }
  const graphShows = async (source: 'users' | 'posts', entityId: string, position: number) => ((await deps.graph.shownPosition(source, entityId)) ?? -1) >= position;
  const analyticsShows = async (token: ConsistencyToken) => ((await deps.analytics.shownPosition(token.source, token.entityId)) ?? -1) >= token.position;

  if (input.kind === 'users') {
    return {
      async write(i) {
        const user = users[i % users.length]!;
        const { token: text } = await updateUser(deps, caller, user.id, { email: user.email, name: `Lab ${id} #${i % users.length} v${i}`, password: null }, 'lab');
        const token = await settle(deps, input.mode, text);
        if (!token) return { token, fresh: {} };
        const [graph, cache, analytics] = await Promise.all([
          graphShows('users', token.entityId, token.position),
          deps.redis.get(userKey(user.id)).then((raw) => raw !== null && (JSON.parse(raw) as { position?: number }).position! >= token.position),
          analyticsShows(token),
        ]);
        return { token, fresh: { graph, cache, analytics } };
      },
    };
  }
  if (input.kind === 'posts') {
    const author = users[0]!;
    return {
      async write(i) {
        const { value, token: text } = await createPost(deps, caller, { author_id: author.id, title: `Lab ${id} post ${i}`, body: 'written by the consistency lab', tags: ['lab'], meta: {} });
        const token = await settle(deps, input.mode, text);
        if (!token) return { token, fresh: {} };
        // The cache read is GET /posts as a client makes it: the cached page until the projection invalidates it.
        const [graph, cache, analytics] = await Promise.all([
          graphShows('posts', value._id, 1),
          listPosts(deps, { limit: 50 }).then((page) => page.items.some((p) => p._id === value._id)),
          analyticsShows(token),
        ]);
        return { token, fresh: { graph, cache, analytics } };
      },
    };
  }
  const pairs: Array<[number, number]> = users.flatMap((a) => users.filter((b) => b.id !== a.id).map((b) => [a.id, b.id] as [number, number]));
  return {
    async write(i) {
      const [followerId, followeeId] = pairs[i]!;
      const generation = Number((await deps.stateRedis.get(feedGenerationKey(followerId))) ?? 0);
      const { token: text } = await follow(deps, caller, { followerId, followeeId });
      const token = await settle(deps, input.mode, text);
      if (!token) return { token, fresh: {} };
      // The follower's cached feed is invalidated by the cache projection bumping its generation.
      const [graph, cache, analytics] = await Promise.all([
        deps.graph.followees(followerId).then((ids) => ids.includes(followeeId)),
        deps.stateRedis.get(feedGenerationKey(followerId)).then((v) => Number(v ?? 0) > generation),
        analyticsShows(token),
      ]);
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
