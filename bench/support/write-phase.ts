// One phase of writes at a fixed rate, from a drained pipeline to a drained pipeline, and what it
// cost: each sink's commit → applied latencies (as each projection measures them, reset first),
// the gateway's latency per write, the CPU of every unit and of the machine, and the users
// service's Argon2id apart. The write benches (pipeline-load, tracing) run their phases with it.
import { servicePorts } from '@polyglot/contracts/services';
import { internalHeaders } from '@polyglot/platform/internal-secret';
import { cpuSnapshot, machineCpuSeconds, type CpuSnapshot } from './cpu.ts';
import { caughtUp, drained, hashingCost, lastTokens, openLoop, percentile, pipeline, SINK_SERVICE, SINKS, type Timing } from './load.ts';

export interface SinkFigures {
  label: string;
  applied: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

export interface Phase {
  rate: number;
  seconds: number;
  startedAt: number;
  results: Timing[];
  failed: number;
  lateStarts: number;
  caughtUp: boolean;
  drainSeconds: number;
  sinks: SinkFigures[];
  cpuBefore: CpuSnapshot;
  cpuAfter: CpuSnapshot;
  /** The whole machine's CPU over the phase, load generator included. */
  machineMs: number;
  /** Argon2id in the users service over the phase; undefined when it does not report it. */
  hashing: { hashes: number; cpuMs: number } | undefined;
  writeP50: number;
  writeP99: number;
}

const SINK_LABELS: Array<[string, (typeof SINKS)[number]]> = [
  ['Neo4j (graph projection)', 'graph'],
  ['Redis (cache projection)', 'cache'],
  ['TimescaleDB (analytics projection)', 'analytics'],
];
export const shortLabel = (label: string) => label.split(' ')[0]!;

export async function resetLatencies(): Promise<void> {
  // Straight to each service (the gateway has no such route): with the stack's internal secret.
  for (const name of SINKS) {
    await fetch(`http://127.0.0.1:${servicePorts[SINK_SERVICE[name]]}/internal/latency/reset`, { method: 'POST', headers: internalHeaders() });
  }
}

export async function sinkFigures(before: Awaited<ReturnType<typeof pipeline>>): Promise<SinkFigures[]> {
  const after = (await pipeline()).projections;
  return SINK_LABELS.map(([label, key]) => {
    const l = after[key]?.latency;
    return { label, applied: (after[key]?.processed ?? 0) - (before.projections[key]?.processed ?? 0), p50: l?.p50 ?? null, p99: l?.p99 ?? null, max: l?.max ?? null };
  });
}

/** One phase of `write` at a fixed rate, from a drained pipeline to a drained pipeline. */
export async function runPhase(write: (i: number) => Promise<Timing>, rate: number, phaseSeconds: number, drainTimeoutMs = 300_000): Promise<Phase> {
  process.stderr.write(`\nwrites at ${rate}/s for ${phaseSeconds} s…\n`);
  if (!(await drained())) process.stderr.write('warning: the pipeline had not drained before this phase\n');
  // Each projection forgets earlier latencies, so the figures below are this phase's alone.
  await resetLatencies();
  const before = await pipeline();
  const startedAt = Date.now();
  const phaseStart = performance.now();
  const hashingBefore = await hashingCost();
  const cpuBefore = cpuSnapshot();
  const { results, lateStarts } = await openLoop(rate, phaseSeconds, write);
  const cpuAfter = cpuSnapshot();
  const hashingAfter = await hashingCost();
  const isCaughtUp = await caughtUp(lastTokens(results), drainTimeoutMs);
  const drainSeconds = (performance.now() - phaseStart) / 1000 - phaseSeconds;
  const ms = results.map((r) => r.ms);
  return {
    rate,
    seconds: phaseSeconds,
    startedAt,
    results,
    failed: results.filter((r) => r.status === 0 || r.status >= 500).length,
    lateStarts,
    caughtUp: isCaughtUp,
    drainSeconds,
    sinks: await sinkFigures(before),
    cpuBefore,
    cpuAfter,
    machineMs: machineCpuSeconds(cpuBefore, cpuAfter) * 1000,
    hashing: hashingBefore && hashingAfter ? { hashes: hashingAfter.hashes - hashingBefore.hashes, cpuMs: hashingAfter.cpuMs - hashingBefore.cpuMs } : undefined,
    writeP50: percentile(ms, 0.5),
    writeP99: percentile(ms, 0.99),
  };
}
