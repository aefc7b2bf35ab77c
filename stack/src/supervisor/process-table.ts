// What the kernel says about a process: alive or not, its start time (to
// tell a recycled pid from ours), its resident memory, and who listens on a
// TCP port. Read from /proc, so it needs no extra tools.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

interface ProcStat {
  state: string;
  startTime: number;
  parent: number;
  /** User plus system time, in clock ticks. */
  cpuTicks: number;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '?', startTime: Number(fields[19]), parent: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) };
}

export function processStartTime(pid: number): number | undefined {
  return readStat(pid)?.startTime;
}

/** True when the pid runs (not a zombie) and, if given, started at that time. */
export function isRunning(pid: number, startTime?: number): boolean {
  const stat = readStat(pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
  return startTime === undefined || stat.startTime === startTime;
}

export function residentBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 120);
  } catch {
    return '?';
  }
}

function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      // State 0A is LISTEN.
      if (!local || cols[3] !== '0A') continue;
      if (parseInt(local.split(':')[1] ?? '', 16) === port && cols[9]) inodes.add(cols[9]);
    }
  }
  return inodes;
}

/** The process listening on a TCP port, or undefined when the port is free. */
export function portHolder(port: number): { pid?: number; command: string } | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target = '';
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) return { pid: Number(entry), command: commandLine(Number(entry)) };
    }
  }
  return { command: 'a process this user cannot see' };
}

/** Clock ticks a second, as /proc counts CPU time (USER_HZ: 100 on Linux). */
export const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU time used so far (clock ticks) by each of the given processes together
 * with everything they started (PostgreSQL's backends, a JVM's threads are in
 * its own count): one pass over /proc for all of them.
 */
export function cpuTicksOfTrees(roots: ReadonlyMap<string, number>): Map<string, number> {
  const result = new Map<string, number>();
  for (const [name, pids] of processTrees(roots)) result.set(name, pids.reduce((sum, pid) => sum + (readStat(pid)?.cpuTicks ?? 0), 0));
  return result;
}

/** Each named root process with everything it started (its pids), from one pass over /proc. */
export function processTrees(roots: ReadonlyMap<string, number>): Map<string, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = readStat(pid);
    if (!stat) continue;
    const siblings = children.get(stat.parent);
    if (siblings) siblings.push(pid);
    else children.set(stat.parent, [pid]);
  }
  const result = new Map<string, number[]>();
  for (const [name, root] of roots) {
    const all: number[] = [];
    const pending = [root];
    while (pending.length > 0) {
      const pid = pending.pop()!;
      all.push(pid);
      pending.push(...(children.get(pid) ?? []));
    }
    result.set(name, all);
  }
  return result;
}
