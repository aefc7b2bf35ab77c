// Where the cores go during a benchmark phase: CPU time per stack unit (each
// engine or service with every process it started), read from /proc before and
// after, plus what the whole machine used, so a saturated run says so.
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { statePaths } from '../../stack/src/paths.ts';
import { readPidRecord } from '../../stack/src/supervisor/pid-file.ts';
import { CLOCK_TICKS_PER_SECOND, cpuTicksOfTrees } from '../../stack/src/supervisor/process-table.ts';

export interface CpuSnapshot {
  at: number;
  units: Map<string, number>;
  /** Busy ticks of the whole machine (every process, the kernel's too), from /proc/stat. */
  machineBusy: number;
}

function unitPids(): Map<string, number> {
  const pids = new Map<string, number>();
  let files: string[] = [];
  try {
    files = readdirSync(statePaths.run).filter((f) => f.endsWith('.pid'));
  } catch {
    return pids;
  }
  for (const file of files) {
    const name = file.slice(0, -'.pid'.length);
    const record = readPidRecord(name);
    if (record) pids.set(name, record.pid);
  }
  return pids;
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
