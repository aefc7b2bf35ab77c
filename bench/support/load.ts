// What the benchmarks share: calls through the gateway with their timing, an
// open-loop load generator, percentiles, the pipeline's state from /health,
// and the write mix (user creates and renames, posts, follows) against a pool
// of users. Lives in a folder so `./stackctl bench` does not list it as a bench.
// GATEWAY_URL and GATEWAY_TOKEN (a session token, needed with AUTH_REQUIRED on)
// say where and as whom, as for ./stackctl fault.
//
// The gateway's rate limit must never make a benchmark lie. Every request here
// carries the stack's internal secret, as the project's own processes do, so
// the gateway counts it under RATE_LIMIT_INTERNAL_MAX (no limit unless one is
// set) and not under the limit meant for browsers and people;
// announceRateLimit() prints the limit in force before the load starts, and any
// 429 the bench meets is reported loudly at exit, with exit code 1.
import { randomUUID } from 'node:crypto';
import { HOST } from '@polyglot/contracts/endpoints';
import { httpRequest } from '@polyglot/platform/http-request';
import { internalHeaders } from '@polyglot/platform/internal-secret';
import { waitFor } from '@polyglot/platform/wait-for';
import { servicePorts } from '@polyglot/contracts/services';

export const gateway = (process.env.GATEWAY_URL ?? `http://${HOST}:${servicePorts.gateway}`).replace(/\/+$/, '');

const ownHeaders = internalHeaders();

/** Answers that were 429: a throttled run measured the rate limit, not the system. */
let throttled = 0;
process.on('exit', () => {
  if (throttled === 0) return;
  process.stderr.write(
    `\n!!! RATE LIMITED: the gateway answered ${throttled} of this bench's requests with 429. The figures above measure its rate limit, ` +
      'not the system: run the bench against a gateway whose RATE_LIMIT_INTERNAL_MAX is unset (the default) or above the rate asked for. !!!\n',
  );
  process.exitCode = 1;
});

/**
 * Prints the gateway's rate limit that applies to this bench's requests, before any load. With a limit in
 * force and a peak rate that would pass it within one window, says so at once (the run would be throttled).
 */
export async function announceRateLimit(peakPerSecond?: number): Promise<void> {
  const answer = await httpRequest(new URL(`${gateway}/cache-status`), { method: 'GET', headers: { ...ownHeaders }, timeoutMs: 10_000 });
  const policy = answer.headers['ratelimit-policy'];
  if (answer.status === 429) throttled++;
  if (typeof policy !== 'string') {
    process.stderr.write(`rate limit: none applies to this bench's requests (they carry the stack's internal secret; the gateway's RATE_LIMIT_INTERNAL_MAX is off)\n`);
    return;
  }
  const [max, window] = [Number(policy.split(';')[0]), Number(/w=(\d+)/.exec(policy)?.[1])];
  process.stderr.write(`rate limit in force for this bench: ${max} requests per ${window} s (the gateway's RATE_LIMIT_INTERNAL_MAX)\n`);
  if (peakPerSecond !== undefined && peakPerSecond * window > max) {
    process.stderr.write(
      `!!! at ${peakPerSecond} requests/s this bench passes that limit within ${Math.ceil(max / peakPerSecond)} s: its figures would measure the limit. ` +
        'Unset RATE_LIMIT_INTERNAL_MAX for the gateway (./stackctl stop gateway, then start it without it) or raise it. !!!\n',
    );
  }
}

export interface Timing {
  endpoint: string;
  ms: number;
  /** 0 when the request failed or timed out without an answer. */
  status: number;
  json?: any;
  /** The x-consistency-token header of a write that changed something. */
  token?: string;
  /** When the answer arrived (performance.now()). */
  doneAt?: number;
}

/**
 * One request through the gateway (or to `base`), timed until its body has arrived. `parse: false` leaves the
 * body unparsed: at hundreds of reads a second, parsing pages here delays the timing of the others.
 * Sent with node:http (httpRequest) rather than fetch: at 500 requests a second, fetch's
 * per-request objects grew this process's young generation until its garbage collection paused
 * it for 25 ms, and every request in flight during a pause was timed as slow.
 */
export async function call(method: string, path: string, endpoint: string, body?: unknown, options: { parse?: boolean; base?: string; timeoutMs?: number } = {}): Promise<Timing> {
  const headers: Record<string, string> = { ...ownHeaders };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (process.env.GATEWAY_TOKEN) headers.authorization = `Bearer ${process.env.GATEWAY_TOKEN}`;
  const t0 = performance.now();
  try {
    const answer = await httpRequest(new URL(`${options.base ?? gateway}${path}`), { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), timeoutMs: options.timeoutMs ?? 30_000 });
    const ms = performance.now() - t0;
    if (answer.status === 429) throttled++;
    const header = answer.headers['x-consistency-token'];
    let json: unknown;
    try {
      json = answer.body.length > 0 && options.parse !== false ? JSON.parse(answer.body.toString('utf8')) : undefined;
    } catch {
      json = undefined;
    }
    return { endpoint, ms, status: answer.status, json, token: typeof header === 'string' ? header : undefined, doneAt: t0 + ms };
  } catch {
    return { endpoint, ms: performance.now() - t0, status: 0 };
  }
}

export const percentile = (xs: number[], q: number) => {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
export const fmt = (ms: number) => (Number.isFinite(ms) ? `${ms.toFixed(1)} ms` : '-');
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Fires `make(i)` `rate` times a second for `seconds`, on schedule, and waits for every answer. */
export async function openLoop<T>(rate: number, seconds: number, make: (i: number) => Promise<T>): Promise<{ results: T[]; lateStarts: number }> {
  const total = Math.round(rate * seconds);
  const start = performance.now();
  const pending: Promise<T>[] = [];
  let lateStarts = 0;
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    else if (wait < -20) lateStarts++;
    pending.push(make(i));
  }
  return { results: await Promise.all(pending), lateStarts };
}

/**
 * Closed loop, as wrk runs: `connections` workers, each sending its next request as soon as its
 * previous one has answered, for `seconds`. The keep-alive pool of httpRequest gives each worker
 * its own connection.
 */
export async function closedLoop<T>(connections: number, seconds: number, make: (i: number) => Promise<T>): Promise<{ results: T[]; seconds: number }> {
  const results: T[] = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) results.push(await make(next++));
    }),
  );
  return { results, seconds: (performance.now() - start) / 1000 };
}

/** What the users service's Argon2id hashing has cost since it started (its /health), or undefined when it does not say. */
export async function hashingCost(): Promise<{ hashes: number; cpuMs: number } | undefined> {
  try {
    const answer = await httpRequest(new URL(`http://${HOST}:${servicePorts.users}/health`), { method: 'GET', headers: { ...ownHeaders }, timeoutMs: 5000 });
    const hashing = JSON.parse(answer.body.toString('utf8'))?.hashing;
    return typeof hashing?.hashes === 'number' && typeof hashing?.cpuMs === 'number' ? { hashes: hashing.hashes, cpuMs: hashing.cpuMs } : undefined;
  } catch {
    return undefined;
  }
}

export interface ProjectionHealth {
  running?: boolean;
  lag: number | null;
  processed: number;
  lastAppliedAt: string | null;
  faults?: { paused: boolean };
  latency?: { count: number; p50: number | null; p99: number | null; max: number | null } | null;
}

export interface PipelineHealth {
  projections: Record<string, ProjectionHealth>;
  relays: Record<string, number>;
}

export async function pipeline(): Promise<PipelineHealth> {
  const health = await call('GET', '/health', 'health');
  return health.json?.pipeline ?? { projections: {}, relays: {} };
}

/** The projections every write reaches (names as /health, /faults and tokens have them). */
export const SINKS = ['graph', 'analytics', 'cache'] as const;

/** The service that runs each of them. */
export const SINK_SERVICE = { graph: 'graph', analytics: 'analytics', cache: 'projectors' } as const;

/**
 * Whether nothing waits anywhere in the pipeline: no relay backlog and no lag in any projection
 * (those in `except` aside: a paused one, say).
 */
export function isDrained(p: PipelineHealth, except: readonly string[] = []): boolean {
  if (!SINKS.every((name) => name in p.projections)) return false;
  const lags = Object.entries(p.projections).filter(([name]) => !except.includes(name)).map(([, v]) => v?.lag);
  return lags.every((l) => l === 0) && Object.values(p.relays).every((b) => b === 0);
}

/**
 * The consistency tokens of the last `count` writes answered from each source (users, posts, graph).
 * Several, not one: two writes may commit in one order and answer in the other.
 */
export function lastTokens(results: Timing[], count = 5): string[] {
  const bySource = new Map<string, Timing[]>();
  for (const r of results) {
    if (!r.token || r.doneAt === undefined) continue;
    const source = r.token.split(':')[0]!;
    bySource.set(source, [...(bySource.get(source) ?? []), r]);
  }
  return [...bySource.values()].flatMap((rs) => rs.sort((a, b) => a.doneAt! - b.doneAt!).slice(-count).map((r) => r.token!));
}

/**
 * Waits until every projection shows each of `tokens` (GET /consistency/:token says complete) and
 * nothing waits anywhere. Lag alone is not enough: a change still on its way from a store's log to
 * Kafka is in no lag yet. False when that did not happen in time.
 */
export async function caughtUp(tokens: readonly string[], timeoutMs = 300_000): Promise<boolean> {
  const pending = new Set(tokens);
  return waitFor(
    'every projection applied the last writes',
    async () => {
      for (const token of [...pending]) {
        const answer = await call('GET', `/consistency/${encodeURIComponent(token)}`, 'consistency');
        if (answer.status === 200 && answer.json?.complete === true) pending.delete(token);
      }
      return pending.size === 0 && isDrained(await pipeline());
    },
    { timeoutMs, intervalMs: 100 },
  ).catch(() => false);
}

/** Waits until isDrained (polling /health); false when it did not happen in time. */
export async function drained(timeoutMs = 300_000, except: readonly string[] = []): Promise<boolean> {
  return waitFor('the pipeline drained', async () => isDrained(await pipeline(), except), { timeoutMs, intervalMs: 200 }).catch(() => false);
}

export interface BenchUser {
  id: number;
  email: string;
}

/** Creates `count` users to write against (the renames, posts and follows of the mix use them). */
export async function createUsers(run: string, count: number): Promise<BenchUser[]> {
  process.stderr.write(`creating ${count} users to write against…\n`);
  const users: BenchUser[] = [];
  for (let i = 0; i < count; i++) {
    const r = await call('POST', '/users', 'POST /users', { email: `bench-${run}-${i}@bench.test`, name: `Bench ${run} ${i}`, password: 'benchmark-password' });
    if (r.status !== 201) throw new Error(`could not create users: ${r.status} ${JSON.stringify(r.json)}`);
    users.push({ id: r.json.id, email: r.json.email });
  }
  return users;
}

const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;

/**
 * The write mix: 10% new users, 35% renames, 35% posts, 20% follows. `query` (e.g.
 * "?consistency=strong") is added to every write; the write is labelled with the endpoint alone.
 */
export function writeMix(run: string, users: BenchUser[], query = ''): (i: number) => Promise<Timing> {
  return (i) => {
    const roll = i % 20;
    if (roll < 2) return call('POST', `/users${query}`, 'POST /users', { email: `bench-${run}-n${i}-${randomUUID().slice(0, 4)}@bench.test`, name: `New ${i}`, password: 'benchmark-password' });
    if (roll < 9) {
      const u = pick(users);
      return call('PUT', `/users/${u.id}${query}`, 'PUT /users/:id', { email: u.email, name: `Renamed ${run} ${i}` });
    }
    if (roll < 16) return call('POST', `/posts${query}`, 'POST /posts', { author_id: pick(users).id, title: `Post ${i}`, body: 'benchmark', tags: ['bench'] });
    const a = pick(users);
    let b = pick(users);
    while (b.id === a.id) b = pick(users);
    return call('POST', `/follow${query}`, 'POST /follow', { followerId: a.id, followeeId: b.id });
  };
}

/** Markdown rows: requests, p50 and p99 per endpoint. */
export function endpointRows(results: Timing[]): string[] {
  const rows: string[] = [];
  for (const endpoint of [...new Set(results.map((r) => r.endpoint))].sort()) {
    const ms = results.filter((r) => r.endpoint === endpoint).map((r) => r.ms);
    rows.push(`${endpoint} | ${ms.length} | ${fmt(percentile(ms, 0.5))} | ${fmt(percentile(ms, 0.99))}`);
  }
  return rows;
}
