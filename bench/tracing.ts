// Benchmark: what tracing costs (issue 16; docs/benchmarks.md#tracing-cost). For each setting in
// turn, in an order that cancels drift (by default off, on, off, on), the six Node services are
// restarted with it (TRACING and TRACE_SAMPLE_RATIO in the environment ./stackctl hands them), the
// pipeline drained, the write mix run 10 s at the rate unreported, the stack measured idle, then
// the same open-loop write mix at a fixed rate. Prints, per setting: the stack's CPU per write
// (every unit, engines and Jaeger included; the Node services apart), the write latency per
// endpoint, commit → applied per sink, each Node service's resident memory and the idle CPU; then
// each traced setting's CPU per write against tracing off (the target: at most +10%). At the end,
// and on Ctrl-C, the services are restarted with the environment this bench was started with, so
// tracing is left as the user has it. Prints numbers; asserts nothing. Native stack only (the CPU
// and memory come from /proc through the stack's pid records).
//
// Options: --ratios 0,1,0,1 (0: TRACING=off; otherwise TRACING=on with that TRACE_SAMPLE_RATIO)
//          --rate 50  --seconds 30  --idle-seconds 20  --read-rate 500  --read-seconds 10 (0 skips the reads)
//
// After each write phase, reads: the first page of GET /posts, cached, at --read-rate (the read
// target of issue 14: p99 ≤ 5 ms at 500 req/s), since a read starts no trace but pays the check.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { internalHeaders } from '@polyglot/platform/internal-secret';
import { cpuRows, cpuSnapshot, gib, idleCpu, stackCpuSeconds, stackMemory, unitResident, type CpuSnapshot, type StackMemory } from './support/cpu.ts';
import { benchCommandLine, printer, recordFigures } from './support/figures-doc.ts';
import { announceRateLimit, call, caughtUp, createUsers, drained, endpointRows, fmt, lastTokens, openLoop, percentile, sleep, writeMix } from './support/load.ts';
import { NODE_SERVICES, restartServices, serviceUrl } from './support/services.ts';
import { KEPT_TARGETS } from './support/targets.ts';
import { runPhase, shortLabel, type Phase } from './support/write-phase.ts';

const { values } = parseArgs({
  options: {
    ratios: { type: 'string', default: '0,1,0,1' },
    rate: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '30' },
    'idle-seconds': { type: 'string', default: '20' },
    'read-rate': { type: 'string', default: '500' },
    'read-seconds': { type: 'string', default: '10' },
  },
});
const RATIOS = values.ratios!.split(',').map(Number);
if (RATIOS.some((r) => !(r >= 0 && r <= 1))) throw new Error(`--ratios takes numbers from 0 to 1, 0 meaning TRACING=off (not "${values.ratios}")`);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const IDLE_SECONDS = Number(values['idle-seconds']);
const READ_RATE = Number(values['read-rate']);
const READ_SECONDS = Number(values['read-seconds']);
const WARM_UP_SECONDS = 10;
/** Issue 16: CPU per write traced at most 10% above untraced. */
const CPU_RATIO_TARGET = 1.1;
/**
 * After the projections caught up, the CPU is counted on this long: spans leave in batches every 500 ms
 * (BatchSpanProcessor) and Jaeger stores them after, work the writes caused.
 */
const SETTLE_MS = 1000;

const label = (ratio: number) => (ratio === 0 ? 'TRACING=off' : `TRACING=on TRACE_SAMPLE_RATIO=${ratio}`);
const envFor = (ratio: number): NodeJS.ProcessEnv => (ratio === 0 ? { ...process.env, TRACING: 'off' } : { ...process.env, TRACING: 'on', TRACE_SAMPLE_RATIO: String(ratio) });
const own = `TRACING=${process.env.TRACING ?? '(unset: on)'} TRACE_SAMPLE_RATIO=${process.env.TRACE_SAMPLE_RATIO ?? '(unset: 1)'}`;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const met = (ok: boolean | undefined) => (ok === undefined ? '?' : ok ? 'yes' : '**no**');
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const isNode = (unit: string) => (NODE_SERVICES as readonly string[]).includes(unit);

// ---- the services' settings: one restart at a time, and the user's setting back whatever happens ----
let inFlight: Promise<unknown> | undefined;
let restoring: Promise<void> | undefined;
let interrupted = false;

async function applySetting(ratio: number): Promise<void> {
  // Interrupted: the restore owns the services now, and the process ends once it is done.
  if (interrupted) return new Promise(() => undefined);
  inFlight = restartServices(NODE_SERVICES, envFor(ratio));
  await inFlight;
}

/** The services restarted with this bench's own environment, once, after any restart in flight (none if none was made). */
function restoreUserSetting(): Promise<void> {
  if (!inFlight) return Promise.resolve();
  restoring ??= inFlight
    .catch(() => undefined)
    .then(() => {
      process.stderr.write(`\nrestarting the Node services with the environment this bench was started with (${own})…\n`);
      return restartServices(NODE_SERVICES, process.env);
    });
  return restoring;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    process.stderr.write(`\n${signal}: stopping the load; the services get their setting back first (a second ${signal} leaves them as they are)\n`);
    restoreUserSetting().then(
      () => process.exit(130),
      (error: unknown) => {
        process.stderr.write(`could not restart the Node services: ${(error as Error).message}; restart them with ./stackctl stop and ./stackctl start\n`);
        process.exit(1);
      },
    );
  });
}

// ---- one run of one setting ----
interface Run {
  ratio: number;
  reported: string;
  idlePercent: number | undefined;
  phase: Phase;
  /** From the phase's first write until the projections caught up, and SETTLE_MS more. */
  cpuEnd: CpuSnapshot;
  resident: Array<[string, number]>;
  memory: StackMemory;
  /** The cached first page of GET /posts at READ_RATE, after the writes; undefined with --read-seconds 0. */
  reads: { p50: number; p99: number; ok: number; failed: number } | undefined;
}

async function cachedReads(): Promise<Run['reads']> {
  if (READ_SECONDS <= 0) return undefined;
  const { results } = await openLoop(READ_RATE, READ_SECONDS, () => call('GET', '/posts?limit=50', 'cached', undefined, { parse: false }));
  const ok = results.filter((t) => t.status === 200).map((t) => t.ms);
  return { p50: percentile(ok, 0.5), p99: percentile(ok, 0.99), ok: ok.length, failed: results.length - ok.length };
}

/** CPU per write over a run, in ms: every unit, the Node services, Jaeger, the rest; Argon2id apart when the users service reports it. */
function cpuPerWrite(r: Run) {
  const ms = (only?: (unit: string) => boolean) => (stackCpuSeconds(r.phase.cpuBefore, r.cpuEnd, only) * 1000) / r.phase.results.length;
  const hashing = r.phase.hashing ? r.phase.hashing.cpuMs / r.phase.results.length : undefined;
  const all = ms();
  const node = ms(isNode);
  const jaeger = r.cpuEnd.units.has('jaeger') ? ms((unit) => unit === 'jaeger') : undefined;
  return { hashing, headline: all - (hashing ?? 0), node: node - (hashing ?? 0), jaeger, rest: all - node - (jaeger ?? 0) };
}

/** What each service's /health says of its tracing, checked against the setting applied. */
async function reportedTracing(ratio: number): Promise<string> {
  const said = await Promise.all(
    NODE_SERVICES.map(async (service) => {
      const body = await fetch(`${serviceUrl(service)}/health`, { headers: internalHeaders(), signal: AbortSignal.timeout(5000) })
        .then((answer) => answer.json() as Promise<{ tracing?: { enabled?: unknown; sampleRatio?: unknown } }>)
        .catch(() => undefined);
      const tracing = body?.tracing;
      if (tracing === undefined) return undefined;
      const differs = (typeof tracing.enabled === 'boolean' && tracing.enabled !== ratio > 0) || (ratio > 0 && typeof tracing.sampleRatio === 'number' && tracing.sampleRatio !== ratio);
      return `${service} ${JSON.stringify(tracing)}${differs ? ' (!!! not the setting applied)' : ''}`;
    }),
  );
  const reports = said.filter((s) => s !== undefined);
  return reports.length > 0 ? `the services report: ${reports.join(', ')}` : 'no service reports its tracing in /health: the setting applied is the one above';
}

function runLines(r: Run, index: number): string[] {
  const p = r.phase;
  const cpu = cpuPerWrite(r);
  const [largest, largestBytes] = r.resident.reduce((a, b) => (b[1] > a[1] ? b : a));
  return [
    '',
    `## run ${index + 1} of ${RATIOS.length}: ${label(r.ratio)}, ${p.rate} writes/s for ${p.seconds} s (${p.results.length} writes, ${p.failed} failed, ${p.lateStarts} sent late; ${p.caughtUp ? `projections caught up ${p.drainSeconds.toFixed(1)} s after the last write` : `projections had NOT caught up ${p.drainSeconds.toFixed(0)} s after the last write`})`,
    '',
    r.reported,
    r.idlePercent === undefined ? 'idle: not measured (--idle-seconds 0)' : `idle for ${IDLE_SECONDS} s before the load: the stack ${r.idlePercent.toFixed(1)}% of a core (≤ ${KEPT_TARGETS.idleCpuPercent}%: ${met(r.idlePercent <= KEPT_TARGETS.idleCpuPercent)})`,
    '',
    `CPU per write (the stack's units, from the first write until the projections caught up, + ${SETTLE_MS / 1000} s) | ms`,
    '---|---',
    `every unit${cpu.hashing === undefined ? ' (Argon2id included: the users service does not report it)' : ', Argon2id apart'} | ${cpu.headline.toFixed(2)}`,
    `Node services (the six)${cpu.hashing === undefined ? '' : ', Argon2id apart'} | ${cpu.node.toFixed(2)}`,
    `Jaeger | ${cpu.jaeger === undefined ? '- (no jaeger unit)' : cpu.jaeger.toFixed(2)}`,
    `engines and the rest | ${cpu.rest.toFixed(2)}`,
    ...(cpu.hashing === undefined ? [] : [`Argon2id (the users service's hashing threads, ${p.hashing!.hashes} hashes) | ${cpu.hashing.toFixed(2)}`]),
    '',
    'sink | changes applied | commit → applied p50 | p99',
    '---|---|---|---',
    ...p.sinks.map((s) => `${s.label} | ${s.applied} | ${fmt(s.p50 ?? Number.NaN)} | ${fmt(s.p99 ?? Number.NaN)}`),
    '',
    'gateway endpoint | requests | p50 | p99',
    '---|---|---|---',
    ...endpointRows(p.results),
    '',
    r.reads === undefined ? 'reads: not measured (--read-seconds 0)' : `GET /posts?limit=50, cached, ${READ_RATE} req/s for ${READ_SECONDS} s after the writes: p50 ${fmt(r.reads.p50)}, p99 ${fmt(r.reads.p99)} (${r.reads.ok} reads${r.reads.failed ? `, ${r.reads.failed} failed` : ''})`,
    '',
    `resident after the load: ${r.resident.map(([s, b]) => `${s} ${mib(b)}`).join(', ')} (the largest, ${largest}, ≤ ${mib(KEPT_TARGETS.nodeProcessBytes)}: ${met(largestBytes <= KEPT_TARGETS.nodeProcessBytes)}); the whole stack ${gib(r.memory.pss)} proportional (≤ ${gib(KEPT_TARGETS.stackMemoryBytes)}: ${met(r.memory.pss <= KEPT_TARGETS.stackMemoryBytes)})`,
    '',
    ...cpuRows(p.cpuBefore, r.cpuEnd),
  ];
}

/** Each setting's runs averaged: CPU per write against tracing off, and the earlier issues' targets. */
function summaryLines(runs: Run[]): string[] {
  const settings = [...Map.groupBy(runs, (r) => r.ratio)];
  const cpuOf = (rs: Run[]) => rs.map(cpuPerWrite);
  const offRuns = runs.filter((r) => r.ratio === 0);
  const off = offRuns.length > 0 ? mean(cpuOf(offRuns).map((c) => c.headline)) : undefined;
  const within = `+${((CPU_RATIO_TARGET - 1) * 100).toFixed(0)}%`;
  const lines = [
    '',
    `## tracing cost: CPU per write, each setting's runs averaged (target: traced at most ${within} over TRACING=off)`,
    '',
    `setting | runs | CPU per write (each run) | Node services | Jaeger | engines and the rest | × off | within ${within}?`,
    '---|---|---|---|---|---|---|---',
  ];
  for (const [ratio, rs] of settings) {
    const cpus = cpuOf(rs);
    const headline = mean(cpus.map((c) => c.headline));
    const jaegers = cpus.flatMap((c) => (c.jaeger === undefined ? [] : [c.jaeger]));
    const ratioToOff = off === undefined || ratio === 0 ? undefined : headline / off;
    lines.push(
      `${label(ratio)} | ${rs.length} | ${headline.toFixed(2)} ms (${cpus.map((c) => c.headline.toFixed(2)).join(', ')}) | ${mean(cpus.map((c) => c.node)).toFixed(2)} | ${jaegers.length > 0 ? mean(jaegers).toFixed(2) : '-'} | ${mean(cpus.map((c) => c.rest)).toFixed(2)} | ${ratio === 0 ? '1' : ratioToOff === undefined ? '- (no TRACING=off run)' : `${ratioToOff.toFixed(3)}×`} | ${ratio === 0 ? '' : met(ratioToOff === undefined ? undefined : ratioToOff <= CPU_RATIO_TARGET)}`,
    );
  }
  lines.push(
    '',
    `## the earlier issues' targets with each setting (worst run; latencies: the highest p99 of the runs)`,
    '',
    `setting | idle CPU ≤ ${KEPT_TARGETS.idleCpuPercent}% of a core | largest Node service resident ≤ ${mib(KEPT_TARGETS.nodeProcessBytes)} | stack memory ≤ ${gib(KEPT_TARGETS.stackMemoryBytes)} | failed writes | gateway write p99 | commit → applied p99 (${runs[0]!.phase.sinks.map((s) => shortLabel(s.label)).join(' / ')}) | cached GET /posts p99 at ${READ_RATE} req/s`,
    '---|---|---|---|---|---|---|---',
  );
  for (const [ratio, rs] of settings) {
    const idle = rs.flatMap((r) => (r.idlePercent === undefined ? [] : [r.idlePercent]));
    const worstIdle = idle.length > 0 ? Math.max(...idle) : undefined;
    const resident = Math.max(...rs.flatMap((r) => r.resident.map(([, b]) => b)));
    const pss = Math.max(...rs.map((r) => r.memory.pss));
    const sinkP99 = rs[0]!.phase.sinks.map((_, k) => Math.max(...rs.map((r) => r.phase.sinks[k]!.p99 ?? Number.NaN)));
    lines.push(
      [
        label(ratio),
        worstIdle === undefined ? 'not measured' : `${worstIdle.toFixed(1)}%: ${met(worstIdle <= KEPT_TARGETS.idleCpuPercent)}`,
        `${mib(resident)}: ${met(resident <= KEPT_TARGETS.nodeProcessBytes)}`,
        `${gib(pss)}: ${met(pss <= KEPT_TARGETS.stackMemoryBytes)}`,
        String(rs.reduce((n, r) => n + r.phase.failed, 0)),
        fmt(Math.max(...rs.map((r) => r.phase.writeP99))),
        sinkP99.map(fmt).join(' / '),
        rs.some((r) => r.reads) ? fmt(Math.max(...rs.flatMap((r) => (r.reads ? [r.reads.p99] : [])))) : 'not measured',
      ].join(' | '),
    );
  }
  lines.push(
    '',
    "CPU per write: every stack unit's processes (from /proc through the stack's pid records: the load generator and the rest of the machine left out)",
    `from the phase's first write until the projections caught up and ${SETTLE_MS / 1000} s more, the background of an idle stack included, over the writes sent;`,
    "the users service's Argon2id threads (its /health) apart: a sign-up's hash costs the same traced or not, and would hide the difference.",
  );
  return lines;
}

// ---- the runs ----
const { print, printed } = printer();
await announceRateLimit(RATE);
print(`${benchCommandLine('tracing')}\n`);
print(`settings in this order: ${RATIOS.map(label).join(', ')}; afterwards the services get this bench's own environment back: ${own}\n`);
const runId = randomUUID().slice(0, 6);
const write = writeMix(runId, await createUsers(runId, 40));
const runs: Run[] = [];
try {
  for (const [index, ratio] of RATIOS.entries()) {
    process.stderr.write(`\n[${index + 1}/${RATIOS.length}] ${label(ratio)}: restarting the Node services…\n`);
    await applySetting(ratio);
    if (!(await drained())) process.stderr.write('warning: the pipeline had not drained after the restart\n');
    process.stderr.write(`warm-up: ${RATE} writes/s for ${WARM_UP_SECONDS} s (not reported)…\n`);
    const warm = await openLoop(RATE, WARM_UP_SECONDS, write);
    if (!(await caughtUp(lastTokens(warm.results)))) process.stderr.write('warning: the projections had not caught up after the warm-up\n');
    if (IDLE_SECONDS > 0) process.stderr.write(`idle for ${IDLE_SECONDS} s…\n`);
    const idlePercent = IDLE_SECONDS > 0 ? (await idleCpu(IDLE_SECONDS)).cpuPercent : undefined;
    const phase = await runPhase(write, RATE, SECONDS);
    await sleep(SETTLE_MS);
    const cpuEnd = cpuSnapshot();
    if (interrupted) break;
    const resident: Array<[string, number]> = NODE_SERVICES.map((s) => [s, unitResident(s)]);
    const memory = stackMemory();
    const reads = await cachedReads();
    const run: Run = { ratio, reported: await reportedTracing(ratio), idlePercent, phase, cpuEnd, resident, memory, reads };
    runs.push(run);
    print(`${runLines(run, index).join('\n')}\n`);
  }
} finally {
  await restoreUserSetting();
}
print(`${summaryLines(runs).join('\n')}\n`);
recordFigures('tracing', printed());
