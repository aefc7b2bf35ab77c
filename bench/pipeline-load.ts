// Benchmark: writes through the gateway at fixed rates (open loop: requests
// leave on schedule whether or not earlier ones have answered), a mix of user
// creates and renames, posts and follows. Prints, per sink, the time from the
// source's commit to the change being applied there (as each projection
// measures it), the gateway's latency per endpoint, cached GET /posts at a
// fixed read rate, and a bare pgbench insert run as the reference. Prints
// numbers; asserts nothing. Needs the whole system up (./stackctl up).
//
// Options: --rates 50,200  --seconds 30  --read-rate 500  --read-seconds 10
// A 10 s warm-up at 20 writes/s runs first and is not reported.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { endpoints } from '../packages/contracts/src/endpoints.ts';
import { servicePorts } from '../packages/contracts/src/services.ts';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '50,200' },
    seconds: { type: 'string', default: '30' },
    'read-rate': { type: 'string', default: '500' },
    'read-seconds': { type: 'string', default: '10' },
  },
});
const gateway = `http://127.0.0.1:${servicePorts.gateway}`;
const run = randomUUID().slice(0, 6);

interface Timing {
  endpoint: string;
  ms: number;
  status: number;
}

async function call(method: string, path: string, endpoint: string, body?: unknown): Promise<Timing & { json?: any }> {
  const t0 = performance.now();
  try {
    const response = await fetch(`${gateway}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    return { endpoint, ms: performance.now() - t0, status: response.status, json: text ? JSON.parse(text) : undefined };
  } catch {
    return { endpoint, ms: performance.now() - t0, status: 0 };
  }
}

const percentile = (xs: number[], q: number) => {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
const fmt = (ms: number) => (Number.isFinite(ms) ? `${ms.toFixed(1)} ms` : '-');

/** Fires `make(i)` `rate` times a second for `seconds`, on schedule, and waits for every answer. */
async function openLoop<T>(rate: number, seconds: number, make: (i: number) => Promise<T>): Promise<{ results: T[]; lateStarts: number }> {
  const total = Math.round(rate * seconds);
  const start = performance.now();
  const pending: Promise<T>[] = [];
  let lateStarts = 0;
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    else if (wait < -20) lateStarts++;
    pending.push(make(i));
  }
  return { results: await Promise.all(pending), lateStarts };
}

interface ProjectionHealth {
  processed: number;
  latency: { count: number; p50: number | null; p99: number | null; max: number | null } | null;
}

async function projections(): Promise<Record<'graph' | 'analytics' | 'projectors', ProjectionHealth>> {
  const health = await call('GET', '/health', 'health');
  return health.json.pipeline.projections;
}

async function drained(timeoutMs = 300_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const health = (await call('GET', '/health', 'health')).json;
    const lags = Object.values(health?.pipeline?.projections ?? {}).map((p: any) => p?.lag);
    const backlogs = Object.values(health?.pipeline?.relays ?? {});
    if (lags.length === 3 && lags.every((l) => l === 0) && backlogs.every((b) => b === 0)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

// ---- a pool of users to write against ----
process.stderr.write('creating 40 users to write against…\n');
const users: Array<{ id: number; email: string }> = [];
for (let i = 0; i < 40; i++) {
  const r = await call('POST', '/users', 'POST /users', { email: `bench-${run}-${i}@bench.test`, name: `Bench ${run} ${i}`, password: 'benchmark-password' });
  if (r.status !== 201) throw new Error(`could not create users: ${r.status} ${JSON.stringify(r.json)}`);
  users.push({ id: r.json.id, email: r.json.email });
}
await drained();

const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;

/** The write mix: 10% new users, 35% renames, 35% posts, 20% follows. */
function write(i: number): Promise<Timing> {
  const roll = i % 20;
  if (roll < 2) return call('POST', '/users', 'POST /users', { email: `bench-${run}-n${i}-${randomUUID().slice(0, 4)}@bench.test`, name: `New ${i}`, password: 'benchmark-password' });
  if (roll < 9) {
    const u = pick(users);
    return call('PUT', `/users/${u.id}`, 'PUT /users/:id', { email: u.email, name: `Renamed ${run} ${i}` });
  }
  if (roll < 16) return call('POST', '/posts', 'POST /posts', { author_id: pick(users).id, title: `Post ${i}`, body: 'benchmark', tags: ['bench'] });
  const a = pick(users);
  let b = pick(users);
  while (b.id === a.id) b = pick(users);
  return call('POST', '/follow', 'POST /follow', { followerId: a.id, followeeId: b.id });
}

const lines: string[] = [];
const seconds = Number(values.seconds);
// Warm-up, not reported: the JVMs compile their hot paths and the pools fill during the first seconds of load.
process.stderr.write('\nwarm-up: 20 writes/s for 10 s (not reported)…\n');
await openLoop(20, 10, write);
await drained();
for (const rate of values.rates!.split(',').map(Number)) {
  process.stderr.write(`\nwrites at ${rate}/s for ${seconds} s…\n`);
  if (!(await drained())) process.stderr.write('warning: the pipeline had not drained before this phase\n');
  // Each projection forgets earlier latencies, so the figures below are this phase's alone.
  for (const name of ['graph', 'analytics', 'projectors'] as const) {
    await fetch(`http://127.0.0.1:${servicePorts[name]}/internal/latency/reset`, { method: 'POST' });
  }
  const before = await projections();
  const phaseStart = performance.now();
  const { results, lateStarts } = await openLoop(rate, seconds, write);
  const caughtUp = await drained();
  const drainSeconds = (performance.now() - phaseStart) / 1000 - seconds;
  const after = await projections();
  const failed = results.filter((r) => r.status === 0 || r.status >= 500).length;
  lines.push('', `## ${rate} writes/s for ${seconds} s (${results.length} writes, ${failed} failed, ${lateStarts} sent late; ${caughtUp ? `projections caught up ${drainSeconds.toFixed(1)} s after the last write` : 'projections had NOT caught up 300 s after the last write'})`, '');
  lines.push('sink | changes applied | commit → applied p50 | p99 | max');
  lines.push('---|---|---|---|---');
  const sinks: Array<[string, 'graph' | 'analytics' | 'projectors']> = [['Neo4j (graph projection)', 'graph'], ['Redis (cache projection)', 'projectors'], ['TimescaleDB (analytics projection)', 'analytics']];
  for (const [label, key] of sinks) {
    const applied = after[key].processed - before[key].processed;
    const l = after[key].latency;
    lines.push(`${label} | ${applied} | ${fmt(l?.p50 ?? Number.NaN)} | ${fmt(l?.p99 ?? Number.NaN)} | ${fmt(l?.max ?? Number.NaN)}`);
  }
  lines.push('', 'gateway endpoint | requests | p50 | p99', '---|---|---|---');
  for (const endpoint of [...new Set(results.map((r) => r.endpoint))].sort()) {
    const ms = results.filter((r) => r.endpoint === endpoint).map((r) => r.ms);
    lines.push(`${endpoint} | ${ms.length} | ${fmt(percentile(ms, 0.5))} | ${fmt(percentile(ms, 0.99))}`);
  }
}

// ---- cached reads ----
const readRate = Number(values['read-rate']);
const readSeconds = Number(values['read-seconds']);
process.stderr.write(`\ncached GET /posts at ${readRate}/s for ${readSeconds} s…\n`);
await call('GET', '/posts', 'warm-up');
const reads = await openLoop(readRate, readSeconds, () => call('GET', '/posts', 'GET /posts'));
const readMs = reads.results.map((r) => r.ms);
lines.push('', `## cached GET /posts at ${readRate} req/s for ${readSeconds} s (${reads.results.filter((r) => r.status !== 200).length} not 200, ${reads.lateStarts} sent late)`, '');
lines.push(`p50 ${fmt(percentile(readMs, 0.5))}, p99 ${fmt(percentile(readMs, 0.99))}, max ${fmt(Math.max(...readMs))}`);

// ---- reference: a bare insert into PostgreSQL, without the platform ----
process.stderr.write('\npgbench insert reference (10 s, 4 clients)…\n');
const pgbench = spawnSync('sh', ['-c', 'command -v pgbench'], { encoding: 'utf8' }).stdout.trim();
if (pgbench) {
  const env = { ...process.env, PGPASSWORD: endpoints.postgres.password };
  const psql = (sql: string) => execFileSync('psql', ['-h', '127.0.0.1', '-p', String(endpoints.postgres.port), '-U', endpoints.postgres.user, '-d', endpoints.postgres.database, '-qc', sql], { env });
  psql('CREATE TABLE IF NOT EXISTS bench_insert_reference (id bigserial PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())');
  const script = join(tmpdir(), `bench-insert-${run}.sql`);
  writeFileSync(script, "INSERT INTO bench_insert_reference (name) VALUES ('reference');\n");
  const out = execFileSync(pgbench, ['-h', '127.0.0.1', '-p', String(endpoints.postgres.port), '-U', endpoints.postgres.user, '-n', '-c', '4', '-j', '2', '-T', '10', '-f', script, endpoints.postgres.database], { env, encoding: 'utf8' });
  psql('DROP TABLE bench_insert_reference');
  const tps = /tps = ([\d.]+)/.exec(out)?.[1];
  const latency = /latency average = ([\d.]+) ms/.exec(out)?.[1];
  lines.push('', `## reference: bare pgbench INSERT (4 clients, 10 s): ${Number(tps).toFixed(0)} inserts/s, latency average ${latency} ms`);
} else {
  lines.push('', '## reference: pgbench not found on PATH; install postgresql-client to get the reference');
}
lines.push('', 'targets: commit → applied p50 ≤ 50 ms and p99 ≤ 150 ms per sink at 200 writes/s; cached GET /posts p99 ≤ 10 ms at 500 req/s');
process.stdout.write(`${lines.join('\n')}\n`);
