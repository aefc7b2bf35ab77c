// ./stackctl seed: a network of a chosen size, written through each source's
// bulk path (the users service's one INSERT per batch with one shared Argon2id
// hash, the posts service's insertMany, the graph service's one transaction per
// batch with its outbox events), then the pipeline catches up as it does for any
// write: Debezium reads the users and posts from their stores' logs, the graph
// relay publishes the follows, and every projection applies them. Progress,
// rate and ETA for every phase; how long each store took to show everything;
// then the reconciler's verdict and the analytics counts against what was
// written. Deterministic (--seed) and resumable: the progress of each phase is
// kept in .stack/data/seed/ (./stackctl reset deletes it with the rest).
import { mkdir, readFile, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReconcileReport } from '@polyglot/contracts/reconcile';
import { withProgress } from './reconcile.ts';
import { SEED_BATCH_MAX, type BulkFollowsResult, type BulkPostsResult, type BulkUsersResult } from '@polyglot/contracts/seed';
import { serviceUrl } from '@polyglot/contracts/services';
import { internalHeaders } from '@polyglot/platform/internal-secret';
import { StackError } from '../errors.ts';
import { gatewayBase, gatewayCall } from '../gateway-call.ts';
import { statePaths } from '../paths.ts';
import { formatSeconds, info } from '../progress.ts';
import { followBatch, postBatch, READER_FOLLOWS, SEED_PASSWORD, userBatch, type SeedSizes } from '../seed/dataset.ts';

export const SEED_HELP = `  seed [--users N] [--posts N] [--follows N] [--seed N]
                                     write a network of that size through the stores' bulk paths and wait for
                                     every projection to show it (progress, rate, ETA); resumable after Ctrl-C`;

/** What each entity takes on disk across every store that holds it (measured at 20,000 posts; see docs). */
const BYTES_PER = { users: 6_000, posts: 12_000, follows: 3_000 };
const BATCH = { users: 2000, posts: 2000, follows: SEED_BATCH_MAX };
/** The pipeline has caught up when nothing moved for this long with every lag at 0. */
const QUIET_MS = 5000;

/** What the seed reads of the gateway's /health (answered with 503 and the same body while a store is down). */
interface PipelineHealth {
  pipeline: { projections: Record<string, { lag: number | null; processed: number } | null>; relays: Record<string, number | null> };
}

async function pipelineHealth(): Promise<PipelineHealth> {
  try {
    const response = await fetch(`${gatewayBase()}/health`, { signal: AbortSignal.timeout(10_000) });
    return (await response.json()) as PipelineHealth;
  } catch (error) {
    throw new StackError('SEED_FAILED', `the gateway's /health does not answer (${(error as Error).message}); is the system up? (./stackctl status, ./stackctl up)`, { exitCode: 3 });
  }
}

interface Progress {
  sizes: SeedSizes;
  seed: number;
  done: { users: number; posts: number; follows: number };
  created: { users: number; posts: number; follows: number };
  userIds: number[];
  loadMs: { users: number; posts: number; follows: number };
}

const thousands = (n: number) => n.toLocaleString('en-US');

function positive(name: string, raw: string | undefined, fallback: number, min = 0): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) throw new StackError('BAD_ARGUMENT', `--${name} must be a whole number ≥ ${min}, got "${raw}"`, { exitCode: 2 });
  return value;
}

async function post<T>(service: 'users' | 'posts' | 'graph', path: string, body: unknown): Promise<T> {
  const url = `${serviceUrl(service)}${path}`;
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...internalHeaders() }, body: JSON.stringify(body), signal: AbortSignal.timeout(120_000) });
      const answer = (await response.json().catch(() => null)) as (T & { error?: string; code?: string }) | null;
      if (response.ok && answer) return answer;
      // A store that is briefly unavailable (a checkpoint, a restart) is waited out; anything else is a bug to report.
      if (response.status !== 503 || attempt >= 10) throw new StackError('SEED_FAILED', `POST ${url}: ${response.status} ${answer?.code ?? ''} ${answer?.error ?? ''}`.trim(), { exitCode: 1 });
    } catch (error) {
      if (error instanceof StackError) throw error;
      if (attempt >= 10) throw new StackError('SEED_FAILED', `POST ${url} failed: ${(error as Error).message}; is the system up? (./stackctl status)`, { exitCode: 1 });
    }
    await sleep(Math.min(10_000, 500 * attempt));
  }
}

/** One line per phase, rewritten in place on a terminal, every few seconds otherwise. */
function progressLine(label: string, total: number) {
  const started = Date.now();
  let shownAt = 0;
  let shown = -1;
  return (done: number, startedFrom: number, force = false) => {
    const now = Date.now();
    if (!force && now - shownAt < (process.stderr.isTTY ? 250 : 5000)) return;
    if (force && !process.stderr.isTTY && shown === done) return;
    shownAt = now;
    shown = done;
    const rate = (done - startedFrom) / Math.max(0.001, (now - started) / 1000);
    const share = total === 0 ? 1 : done / total;
    const width = 24;
    const bar = '█'.repeat(Math.round(share * width)).padEnd(width, '░');
    const eta = rate > 0 ? formatSeconds(((total - done) / rate) * 1000) : '?';
    const line = `${label.padEnd(8)} ${bar} ${thousands(done)}/${thousands(total)} ${(share * 100).toFixed(0).padStart(3)}%  ${thousands(Math.round(rate))}/s  ETA ${eta}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}${force ? '\n' : ''}`);
    else info(line);
  };
}

async function checkDisk(sizes: SeedSizes): Promise<void> {
  await mkdir(statePaths.data, { recursive: true });
  const fs = await statfs(statePaths.data);
  const free = fs.bavail * fs.bsize;
  const needed = sizes.users * BYTES_PER.users + sizes.posts * BYTES_PER.posts + sizes.follows * BYTES_PER.follows;
  const gib = (n: number) => `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (needed * 1.2 > free) throw new StackError('LOW_DISK', `this seed needs about ${gib(needed)} across the stores and ${statePaths.data} has ${gib(free)} free; free some space or seed fewer posts`, { exitCode: 1 });
  info(`disk: about ${gib(needed)} needed, ${gib(free)} free`);
}

async function loadProgress(file: string, sizes: SeedSizes, seed: number): Promise<Progress> {
  const fresh: Progress = { sizes, seed, done: { users: 0, posts: 0, follows: 0 }, created: { users: 0, posts: 0, follows: 0 }, userIds: [], loadMs: { users: 0, posts: 0, follows: 0 } };
  let saved: Progress;
  try {
    saved = JSON.parse(await readFile(file, 'utf8')) as Progress;
  } catch {
    return fresh;
  }
  const same = saved.sizes.users === sizes.users && saved.sizes.posts === sizes.posts && saved.sizes.follows === sizes.follows;
  if (!same) {
    throw new StackError(
      'BAD_ARGUMENT',
      `seed ${seed} was started with --users ${saved.sizes.users} --posts ${saved.sizes.posts} --follows ${saved.sizes.follows}; finish it with those, choose another --seed, or ./stackctl reset`,
      { exitCode: 2 },
    );
  }
  info(`resuming seed ${seed}: ${thousands(saved.done.users)} users, ${thousands(saved.done.posts)} posts, ${thousands(saved.done.follows)} follows written before`);
  return saved;
}

/** Polls the gateway's health until every projection is idle with nothing left, and says when each last moved. */
async function waitForPipeline(loadEndedAt: number): Promise<Map<string, number>> {
  const lastMoved = new Map<string, number>();
  const processed = new Map<string, number>();
  let quietSince = Date.now();
  for (;;) {
    const health = await pipelineHealth();
    const projections = Object.entries(health.pipeline.projections ?? {});
    let lag = 0;
    for (const [name, p] of projections) {
      if (!p) continue;
      lag += p.lag ?? 0;
      if (processed.get(name) !== p.processed) {
        processed.set(name, p.processed);
        lastMoved.set(name, Date.now());
        quietSince = Date.now();
      }
    }
    const backlog = Object.values(health.pipeline.relays ?? {}).reduce<number>((n, r) => n + (r ?? 0), 0);
    if (lag > 0 || backlog > 0) quietSince = Date.now();
    const line = `pipeline: lag ${thousands(lag)}, relay backlog ${thousands(backlog)}; ${projections.map(([n, p]) => `${n} ${thousands(p?.processed ?? 0)}`).join(', ')} applied (${formatSeconds(Date.now() - loadEndedAt)} after the load)`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line.padEnd(140)}`);
    else info(line);
    if (Date.now() - quietSince >= QUIET_MS) break;
    await sleep(process.stderr.isTTY ? 500 : 5000);
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  return lastMoved;
}

export async function seedCommand(args: string[]): Promise<number> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({ args, options: { users: { type: 'string' }, posts: { type: 'string' }, follows: { type: 'string' }, seed: { type: 'string' } }, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new StackError('BAD_ARGUMENT', `${(error as Error).message}; see ./stackctl help`, { exitCode: 2 });
  }
  const sizes: SeedSizes = { users: positive('users', values.users, 1000, 2), posts: positive('posts', values.posts, 10_000), follows: positive('follows', values.follows, 10_000) };
  const seed = positive('seed', values.seed, 1);
  info(`seed ${seed}: ${thousands(sizes.users)} users, ${thousands(sizes.posts)} posts, ${thousands(sizes.follows)} follows, through the stores' bulk paths; the pipeline then carries them to every projection`);
  await pipelineHealth();
  await checkDisk(sizes);
  const dir = join(statePaths.data, 'seed');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `seed-${seed}.json`);
  const progress = await loadProgress(file, sizes, seed);
  const save = () => writeFile(file, JSON.stringify(progress));

  const phase = async (name: 'users' | 'posts' | 'follows', total: number, write: (from: number, to: number) => Promise<number>) => {
    const show = progressLine(name, total);
    const from = progress.done[name];
    const started = Date.now() - progress.loadMs[name];
    for (let at = from; at < total; at = progress.done[name]) {
      const to = Math.min(total, at + BATCH[name]);
      progress.created[name] += await write(at, to);
      progress.done[name] = to;
      progress.loadMs[name] = Date.now() - started;
      await save();
      show(to, from);
    }
    show(total, from, true);
  };

  await phase('users', sizes.users, async (from, to) => {
    const batch = userBatch(seed, from, to);
    const result = await post<BulkUsersResult>('users', '/internal/users/bulk', { password: SEED_PASSWORD, users: batch });
    const byEmail = new Map(result.users.map((u) => [u.email.toLowerCase(), u.id]));
    for (const u of batch) progress.userIds.push(byEmail.get(u.email.toLowerCase())!);
    return result.created;
  });
  await phase('posts', sizes.posts, async (from, to) => (await post<BulkPostsResult>('posts', '/internal/posts/bulk', { posts: postBatch(seed, from, to, sizes.posts, progress.userIds) })).inserted);
  await phase('follows', sizes.follows, async (from, to) => (await post<BulkFollowsResult>('graph', '/internal/follows/bulk', { follows: followBatch(seed, from, to, progress.userIds) })).created);
  const loadEndedAt = Date.now();

  info('waiting for every projection to show what was written');
  const lastMoved = await waitForPipeline(loadEndedAt);
  const report = await withProgress(gatewayCall<ReconcileReport>('GET', '/reconcile', { failureCode: 'SEED_FAILED' }));

  const rows = [
    ['PostgreSQL (users)', `${formatSeconds(progress.loadMs.users)} to write ${thousands(progress.created.users)} new users`],
    ['FerretDB (posts)', `${formatSeconds(progress.loadMs.posts)} to write ${thousands(progress.created.posts)} new posts`],
    ['Neo4j (follows)', `${formatSeconds(progress.loadMs.follows)} to write ${thousands(progress.created.follows)} new follows`],
    ...[...lastMoved].map(([name, at]) => [`projection ${name}`, `showed everything ${formatSeconds(Math.max(0, at - loadEndedAt))} after the load ended`]),
  ];
  process.stdout.write(`\n${rows.map(([k, v]) => `  ${k!.padEnd(24)} ${v}`).join('\n')}\n`);
  const c = report.counts;
  process.stdout.write(
    `\nAfter the seed: ${thousands(c.users.postgres)} users (${thousands(c.users.neo4j)} in Neo4j, ${thousands(c.users.timescaledb)} alive in events), ` +
      `${thousands(c.posts.ferretdb)} posts (${thousands(c.posts.neo4j)} in Neo4j, ${thousands(c.posts.redis)} listed, ${thousands(c.posts.timescaledb)} alive in events), ` +
      `${thousands(c.follows.neo4j)} follows (${thousands(c.follows.timescaledb)} alive in events).\n` +
      `The reader with ${Math.min(READER_FOLLOWS, sizes.users - 1)} followees is user ${progress.userIds[0]} (GET /users/${progress.userIds[0]}/feed).\n`,
  );
  if (report.drift.length > 0) {
    process.stdout.write(`The reconciler found ${report.drift.length} drift: ./stackctl reconcile lists it, --repair fixes it.\n`);
    return 1;
  }
  process.stdout.write('The reconciler found no drift: every store agrees with its source, and the events match.\n');
  return 0;
}
