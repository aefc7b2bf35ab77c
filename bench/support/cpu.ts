// Where the cores go during a benchmark phase: CPU time per stack unit (each
// engine or service with every process it started), read from /proc before and
// after, plus what the whole machine used, so a saturated run says so. Also the
// stack's memory and when its units started. Native stack only: under Compose
// there are no pid records and these figures are empty.
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { statePaths } from '@polyglot/stack/paths';
import { readPidRecord } from '@polyglot/stack/supervisor/pid-file';
import { CLOCK_TICKS_PER_SECOND, cpuTicksOfTrees, isRunning, processTrees } from '@polyglot/stack/supervisor/process-table';

export interface CpuSnapshot {
  at: number;
  units: Map<string, number>;
  /** Busy ticks of the whole machine (every process, the kernel's too), from /proc/stat. */
  machineBusy: number;
}

/** Every unit the stack has a pid record of, with that record (none when the stack has never run). */
function unitRecords(): Array<[string, NonNullable<ReturnType<typeof readPidRecord>>]> {
  let files: string[] = [];
  try {
    files = readdirSync(statePaths.run).filter((f) => f.endsWith('.pid'));
  } catch {
    return [];
  }
  return files.flatMap((file) => {
    const unit = file.slice(0, -'.pid'.length);
    const record = readPidRecord(unit);
    return record ? [[unit, record] as [string, NonNullable<typeof record>]] : [];
  });
}

function unitPids(): Map<string, number> {
  return new Map(unitRecords().map(([unit, record]) => [unit, record.pid]));
}

function machineBusyTicks(): number {
  // cpu  user nice system idle iowait irq softirq steal ...
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return fields.reduce((a, b) => a + b, 0) - idle;
}

export function cpuSnapshot(): CpuSnapshot {
  return { at: performance.now(), units: cpuTicksOfTrees(unitPids()), machineBusy: machineBusyTicks() };
}

/** CPU seconds the whole machine spent between two snapshots (the load generator's and the kernel's included). */
export function machineCpuSeconds(before: CpuSnapshot, after: CpuSnapshot): number {
  return (after.machineBusy - before.machineBusy) / CLOCK_TICKS_PER_SECOND;
}

/** Markdown: each unit's share of one core between two snapshots, busiest first, and the machine's. */
export function cpuRows(before: CpuSnapshot, after: CpuSnapshot): string[] {
  const seconds = (after.at - before.at) / 1000;
  const share = (ticks: number) => `${((ticks / CLOCK_TICKS_PER_SECOND / seconds) * 100).toFixed(0)}%`;
  const used = [...after.units]
    .map(([name, ticks]) => [name, ticks - (before.units.get(name) ?? ticks)] as const)
    .filter(([, ticks]) => ticks > 0)
    .sort((a, b) => b[1] - a[1]);
  const machine = after.machineBusy - before.machineBusy;
  return [
    `CPU (% of one core; the machine has ${cpus().length}): ${used.map(([name, ticks]) => `${name} ${share(ticks)}`).join(', ')}; whole machine ${share(machine)} of ${cpus().length * 100}%`,
  ];
}

/**
 * CPU seconds the stack's units (every process they started) spent between two snapshots: the load generator and
 * the rest of the machine left out. `only` keeps some units (the Node services, say).
 */
export function stackCpuSeconds(before: CpuSnapshot, after: CpuSnapshot, only: (unit: string) => boolean = () => true): number {
  let ticks = 0;
  for (const [name, t] of after.units) if (only(name)) ticks += t - (before.units.get(name) ?? t);
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** The stack left alone for `seconds`: its CPU over them as a share of one core, and the snapshots (for cpuRows). */
export async function idleCpu(seconds: number): Promise<{ cpuPercent: number; before: CpuSnapshot; after: CpuSnapshot }> {
  const before = cpuSnapshot();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const after = cpuSnapshot();
  return { cpuPercent: (stackCpuSeconds(before, after) / ((after.at - before.at) / 1000)) * 100, before, after };
}

/** When the stack started: its earliest unit still running (a unit restarted since keeps the stack's start). */
export function stackStartedAt(): { at: Date; unit: string } | undefined {
  let first: { at: Date; unit: string } | undefined;
  for (const [unit, record] of unitRecords()) {
    if (!isRunning(record.pid, record.startTime)) continue;
    const at = new Date(record.startedAt);
    if (!Number.isNaN(at.getTime()) && (!first || at < first.at)) first = { at, unit };
  }
  return first;
}

/** Memory of one process from /proc/PID/smaps_rollup, in bytes: resident, and proportional (each shared page split among those that map it). */
function processMemory(pid: number): { rss: number; pss: number } {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    return { rss: kb('Rss') * 1024, pss: kb('Pss') * 1024 };
  } catch {
    return { rss: 0, pss: 0 };
  }
}

export interface StackMemory {
  /** Per unit (all its processes): proportional set size, bytes. */
  units: Map<string, number>;
  /** Every unit's processes, shared pages counted once (PSS summed): what the stack holds. */
  pss: number;
  /** Every unit's processes' resident sets summed: counts PostgreSQL's shared buffers once per backend that touched them. */
  rss: number;
}

/** The memory every unit holds now, with every process it started. */
export function stackMemory(): StackMemory {
  const result: StackMemory = { units: new Map(), pss: 0, rss: 0 };
  for (const [name, pids] of processTrees(unitPids())) {
    let pss = 0;
    for (const pid of pids) {
      const memory = processMemory(pid);
      pss += memory.pss;
      result.rss += memory.rss;
    }
    result.units.set(name, pss);
    result.pss += pss;
  }
  return result;
}

/** The resident set of one unit's processes, summed (a Node service is one process). */
export function unitResident(unit: string): number {
  const pids = processTrees(unitPids()).get(unit) ?? [];
  return pids.reduce((sum, pid) => sum + processMemory(pid).rss, 0);
}

export const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

/** Markdown: each unit's memory, largest first, and the stack's. */
export function memoryRow(memory: StackMemory): string {
  const units = [...memory.units].filter(([, b]) => b > 0).sort((a, b) => b[1] - a[1]);
  return `memory (proportional set size, MiB): ${units.map(([name, b]) => `${name} ${(b / 2 ** 20).toFixed(0)}`).join(', ')}; whole stack ${gib(memory.pss)} (resident sets summed per process: ${gib(memory.rss)})`;
}
