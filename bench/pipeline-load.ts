// Benchmark: writes through the gateway at fixed rates (open loop: requests
// leave on schedule whether or not earlier ones have answered), a mix of user
// creates and renames, posts and follows. Prints, per sink, the time from the
// source's commit to the change being applied there (as each projection
// measures it), the gateway's latency per endpoint, cached GET /posts at a
// fixed read rate, and a bare pgbench insert run as the reference, with the
// ratio of each phase's write latency to it and the machine's CPU per write. Prints
// numbers; asserts nothing. Needs the whole system up (./stackctl up). Each
// phase also says how busy each unit and the whole machine were.
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
import { internalHeaders } from '../packages/platform/src/internal-secret.ts';
import { cpuRows, cpuSnapshot, machineCpuSeconds } from './support/cpu.ts';
import { announceRateLimit, call, createUsers, drained, endpointRows, fmt, openLoop, percentile, pipeline, SINKS, writeMix } from './support/load.ts';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '50,200' },
    seconds: { type: 'string', default: '30' },
    'read-rate': { type: 'string', default: '500' },
    'read-seconds': { type: 'string', default: '10' },
  },
});
const run = randomUUID().slice(0, 6);
// The highest rate this run asks of the gateway: a rate limit below it would make the figures lie.
await announceRateLimit(Math.max(...values.rates!.split(',').map(Number), Number(values['read-rate'])));

// ---- a pool of users to write against ----
const users = await createUsers(run, 40);
await drained();
const write = writeMix(run, users);

const lines: string[] = [];
/** Per phase: the rate and the p50 of every write through the gateway, for the reference ratio. */
const phases: Array<{ rate: number; writeP50: number; failed: number; cpuMsPerWrite: number }> = [];
const seconds = Number(values.seconds);
// Warm-up, not reported: the JVMs compile their hot paths and the pools fill during the first seconds of load.
process.stderr.write('\nwarm-up: 20 writes/s for 10 s (not reported)…\n');
await openLoop(20, 10, write);
await drained();
for (const rate of values.rates!.split(',').map(Number)) {
  process.stderr.write(`\nwrites at ${rate}/s for ${seconds} s…\n`);
  if (!(await drained())) process.stderr.write('warning: the pipeline had not drained before this phase\n');
  // Each projection forgets earlier latencies, so the figures below are this phase's alone.
  for (const name of SINKS) {
    // Straight to each service (the gateway has no such route): with the stack's internal secret.
    await fetch(`http://127.0.0.1:${servicePorts[name]}/internal/latency/reset`, { method: 'POST', headers: internalHeaders() });
  }
  const before = (await pipeline()).projections;
  const phaseStart = performance.now();
  const cpuBefore = cpuSnapshot();
  const { results, lateStarts } = await openLoop(rate, seconds, write);
  const cpuAfter = cpuSnapshot();
  const caughtUp = await drained();
  const drainSeconds = (performance.now() - phaseStart) / 1000 - seconds;
  const after = (await pipeline()).projections;
  const failed = results.filter((r) => r.status === 0 || r.status >= 500).length;
  lines.push('', `## ${rate} writes/s for ${seconds} s (${results.length} writes, ${failed} failed, ${lateStarts} sent late; ${caughtUp ? `projections caught up ${drainSeconds.toFixed(1)} s after the last write` : 'projections had NOT caught up 300 s after the last write'})`, '');
  lines.push('sink | changes applied | commit → applied p50 | p99 | max');
  lines.push('---|---|---|---|---');
  const sinks: Array<[string, 'graph' | 'analytics' | 'projectors']> = [['Neo4j (graph projection)', 'graph'], ['Redis (cache projection)', 'projectors'], ['TimescaleDB (analytics projection)', 'analytics']];
  for (const [label, key] of sinks) {
    const applied = after[key]!.processed - before[key]!.processed;
    const l = after[key]!.latency;
    lines.push(`${label} | ${applied} | ${fmt(l?.p50 ?? Number.NaN)} | ${fmt(l?.p99 ?? Number.NaN)} | ${fmt(l?.max ?? Number.NaN)}`);
  }
  phases.push({ rate, writeP50: percentile(results.map((r) => r.ms), 0.5), failed, cpuMsPerWrite: (machineCpuSeconds(cpuBefore, cpuAfter) * 1000) / results.length });
  lines.push('', 'gateway endpoint | requests | p50 | p99', '---|---|---|---');
  lines.push(...endpointRows(results));
  lines.push('', ...cpuRows(cpuBefore, cpuAfter));
}

// ---- cached reads ----
const readRate = Number(values['read-rate']);
const readSeconds = Number(values['read-seconds']);
process.stderr.write(`\ncached GET /posts at ${readRate}/s for ${readSeconds} s…\n`);
await call('GET', '/posts', 'warm-up');
const readCpuBefore = cpuSnapshot();
const reads = await openLoop(readRate, readSeconds, () => call('GET', '/posts', 'GET /posts', undefined, { parse: false }));
const readCpuAfter = cpuSnapshot();
const readMs = reads.results.map((r) => r.ms);
lines.push('', `## cached GET /posts at ${readRate} req/s for ${readSeconds} s (${reads.results.filter((r) => r.status !== 200).length} not 200, ${reads.lateStarts} sent late)`, '');
lines.push(`p50 ${fmt(percentile(readMs, 0.5))}, p99 ${fmt(percentile(readMs, 0.99))}, max ${fmt(Math.max(...readMs))}`, '', ...cpuRows(readCpuBefore, readCpuAfter));

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
  lines.push('', `## reference: bare pgbench INSERT (4 clients, 10 s): ${Number(tps).toFixed(0)} inserts/s, latency average ${latency} ms`, '');
  // The ratio the platform costs over a bare insert: per write, the latency a client sees; and the rate offered against the rate a bare insert sustains.
  lines.push('writes/s | write p50 through the gateway | × a bare insert\'s latency | machine CPU per write (load generator included)', '---|---|---|---');
  for (const phase of phases) {
    lines.push(`${phase.rate}${phase.failed > 0 ? ` (${phase.failed} failed)` : ''} | ${fmt(phase.writeP50)} | ${(phase.writeP50 / Number(latency)).toFixed(0)}× | ${fmt(phase.cpuMsPerWrite)}`);
  }
  const clean = phases.filter((p) => p.failed === 0).map((p) => p.rate);
  if (clean.length > 0) lines.push('', `A bare insert sustains ${Number(tps).toFixed(0)}/s; the highest rate here with no failed write was ${Math.max(...clean)}/s (1 : ${(Number(tps) / Math.max(...clean)).toFixed(0)}).`);
} else {
  lines.push('', '## reference: pgbench not found on PATH; install postgresql-client to get the reference');
}
lines.push('', 'targets: commit → applied p50 ≤ 50 ms and p99 ≤ 150 ms per sink at 200 writes/s; cached GET /posts p99 ≤ 10 ms at 500 req/s');
process.stdout.write(`${lines.join('\n')}\n`);
