// Runs the external tools provisioning needs (debootstrap, apt-get, mvn, go)
// with their output captured in a log file, a time limit, and a clean stop on
// Ctrl-C: children of a step are tracked so an interrupted `up` ends them.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ToolFailedError } from './errors.ts';

const running = new Set<ChildProcess>();

export function killRunningTools(): void {
  for (const child of running) {
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
    }
  }
}

export interface ToolRun {
  what: string;
  command: string;
  args: readonly string[];
  logFile: string;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  failureCode?: 'FETCH_FAILED' | 'BUILD_FAILED';
}

/** The last lines of a log that look like an error, for a one-line message. */
export async function lastErrorLine(logFile: string): Promise<string> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const errorLike = lines.filter((l) => /error|fail|cannot|unable|refused|timed? ?out|not found|denied|E:/i.test(l));
  return (errorLike.at(-1) ?? lines.at(-1) ?? 'no output').slice(0, 300);
}

export async function runTool(run: ToolRun): Promise<void> {
  await mkdir(dirname(run.logFile), { recursive: true });
  const log = createWriteStream(run.logFile, { flags: 'a' });
  log.write(`\n$ ${run.command} ${run.args.join(' ')}\n`);
  const child = spawn(run.command, run.args, {
    cwd: run.cwd,
    env: run.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group, so a time-out or Ctrl-C can end the tool and its children together.
    detached: true,
  });
  running.add(child);
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  let timedOut = false;
  // STACK_FETCH_TIMEOUT_S shortens every limit, for slow-registry drills and tests.
  const override = Number(process.env.STACK_FETCH_TIMEOUT_S ?? '');
  const timeoutMs = Number.isFinite(override) && override > 0 ? Math.min(run.timeoutMs, override * 1000) : run.timeoutMs;
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  }, timeoutMs);
  const outcome = await new Promise<{ code: number | null; error?: Error }>((resolvePromise) => {
    child.once('error', (error) => resolvePromise({ code: null, error }));
    child.once('close', (code) => resolvePromise({ code }));
  });
  clearTimeout(timer);
  running.delete(child);
  await new Promise<void>((r) => log.end(r));
  const code = run.failureCode ?? 'BUILD_FAILED';
  if (outcome.error) {
    throw new ToolFailedError(code, run.what, `${run.command} could not start (${outcome.error.message})`, run.logFile);
  }
  if (timedOut) {
    throw new ToolFailedError(code, run.what, `no result after ${Math.round(timeoutMs / 1000)} s (a registry that does not answer?)`, run.logFile);
  }
  if (outcome.code !== 0) {
    throw new ToolFailedError(code, run.what, `${run.command} exited with ${outcome.code}: ${await lastErrorLine(run.logFile)}`, run.logFile);
  }
}
