// Starts, stops, kills and inspects the native engines. Each engine runs as
// a detached process (it outlives the CLI) whose pid is kept in .stack/run;
// its output goes to .stack/logs/ENGINE.log.
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { chown, mkdir, readdir, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Engine, EngineContext } from '../engines/engine.ts';
import { PortTakenError, StackError } from '../errors.ts';
import { engineDataDir, engineLogFile, repoRoot, statePaths } from '../paths.ts';
import { info } from '../progress.ts';
import { runTool } from '../run-tool.ts';
import type { ArtifactDirs } from './artifacts.ts';
import { engineUserIds, launchCommand, type LaunchSpec } from './launcher.ts';
import { readPidRecord, removePidRecord, writePidRecord } from './pid-file.ts';
import { isRunning, portHolder, processStartTime, residentBytes } from './process-table.ts';

export type EngineState = 'healthy' | 'starting' | 'down' | 'crashed';

export interface EngineStatus {
  engine: string;
  kind?: 'engine' | 'control' | 'service';
  title: string;
  state: EngineState;
  address: string;
  version?: string;
  pid?: number;
  rssBytes?: number;
  error?: string;
  lastLogLines?: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await chown(path, uid, gid);
  const stat = await lstat(path);
  if (!stat.isDirectory()) return;
  for (const entry of await readdir(path)) {
    const child = join(path, entry);
    const childStat = await lstat(child);
    // Mount points of bound artifacts are left alone: they belong to the cache.
    if (childStat.isSymbolicLink()) continue;
    await chownTree(child, uid, gid);
  }
}

export function lastLogLines(engine: string, count = 12): string[] {
  try {
    const lines = readFileSync(engineLogFile(engine), 'utf8').split('\n').filter((l) => l.trim() !== '');
    return lines.slice(-count);
  } catch {
    return [];
  }
}

export class NativeSupervisor {
  private readonly root: string;
  private readonly artifacts: ArtifactDirs;

  constructor(artifacts: ArtifactDirs) {
    if (!artifacts.debianRoot) throw new StackError('ENGINE_FAILED', 'the Debian root is not provisioned');
    this.root = artifacts.debianRoot;
    this.artifacts = artifacts;
  }

  private context(engine: Engine): EngineContext {
    const dataDir = engineDataDir(engine.name);
    const ids = engineUserIds(this.root);
    return {
      dataDir,
      artifacts: this.artifacts,
      runOnce: async (what, spec) => {
        await chownTree(dataDir, ids.uid, ids.gid);
        const { command, args, env } = launchCommand(this.withDataBind(dataDir, spec));
        await runTool({ what, command, args, env, logFile: engineLogFile(engine.name), timeoutMs: 180_000, failureCode: 'BUILD_FAILED' });
      },
    };
  }

  private withDataBind(dataDir: string, spec: Omit<LaunchSpec, 'root'>): LaunchSpec {
    return { ...spec, root: this.root, binds: [{ source: dataDir, target: '/srv/data' }, ...spec.binds] };
  }

  /** healthy, starting (alive, not answering yet), down (not started) or crashed (died without a stop). */
  async status(engine: Engine, options: { withLogs?: boolean } = {}): Promise<EngineStatus> {
    const base = { engine: engine.name, kind: engine.kind, title: engine.title, address: engine.address };
    const record = readPidRecord(engine.name);
    if (!record) return { ...base, state: 'down' };
    if (!isRunning(record.pid, record.startTime)) {
      return { ...base, state: 'crashed', pid: record.pid, ...(options.withLogs !== false ? { lastLogLines: lastLogLines(engine.name) } : {}) };
    }
    const rssBytes = residentBytes(record.pid);
    try {
      const health = await engine.probe();
      return { ...base, state: 'healthy', pid: record.pid, rssBytes, version: health.version };
    } catch (error) {
      return { ...base, state: 'starting', pid: record.pid, rssBytes, error: (error as Error).message };
    }
  }

  checkPorts(engine: Engine): void {
    for (const port of engine.ports) {
      const holder = portHolder(port);
      if (holder) throw new PortTakenError(engine.name, port, holder.pid ? `pid ${holder.pid} (${holder.command})` : holder.command);
    }
  }

  /** Starts an engine that is down or crashed and waits until it is healthy. */
  async start(engine: Engine): Promise<EngineStatus> {
    const current = await this.status(engine, { withLogs: false });
    if (current.state === 'healthy') return current;
    if (current.state === 'starting') return this.waitHealthy(engine, current.pid!);
    if (current.state === 'crashed') removePidRecord(engine.name);
    this.checkPorts(engine);

    const ctx = this.context(engine);
    await mkdir(statePaths.logs, { recursive: true });
    let command: string;
    let args: string[];
    let env: NodeJS.ProcessEnv;
    if (engine.kind === 'control') {
      // The stack's own root-side helper (unit control): on the host, with the CLI's environment.
      await engine.prepare(ctx);
      const spec = engine.launch(ctx);
      [command, ...args] = spec.argv as [string, ...string[]];
      env = { ...process.env, ...spec.env };
      // A CLI run by a test must not make the helper (and the CLIs it runs) a test process.
      delete env.NODE_TEST_CONTEXT;
    } else if (engine.kind === 'service') {
      // The project's own Node processes: chrooted like the engines, as the same unprivileged user; the
      // service's spec binds the checkout and Node (service-units.ts). It has no data folder.
      await engine.prepare(ctx);
      ({ command, args, env } = launchCommand({ ...engine.launch(ctx), root: this.root }));
    } else {
      await mkdir(ctx.dataDir, { recursive: true });
      await engine.prepare(ctx);
      const ids = engineUserIds(this.root);
      await chownTree(ctx.dataDir, ids.uid, ids.gid);
      ({ command, args, env } = launchCommand(this.withDataBind(ctx.dataDir, engine.launch(ctx))));
    }
    const logFd = openSync(engineLogFile(engine.name), 'a');
    const child = spawn(command, args, { detached: true, stdio: ['ignore', logFd, logFd], env, cwd: repoRoot });
    closeSync(logFd);
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new StackError('ENGINE_FAILED', `${engine.name} could not be started (unshare missing?)`);
    // Same pid as the engine: the launcher execs all the way down.
    await sleep(20);
    writePidRecord(engine.name, { pid, startTime: processStartTime(pid) ?? 0, startedAt: new Date().toISOString() });
    const status = await this.waitHealthy(engine, pid);
    await engine.afterHealthy?.(ctx);
    return status;
  }

  private async waitHealthy(engine: Engine, pid: number): Promise<EngineStatus> {
    const deadline = Date.now() + engine.startTimeoutMs;
    let lastError = '';
    let nextNotice = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const status = await this.status(engine);
      if (status.state === 'healthy') return status;
      if (status.state === 'crashed' || status.state === 'down') {
        const tail = status.lastLogLines?.slice(-3).join(' | ') ?? '';
        throw new StackError('ENGINE_FAILED', `${engine.name} exited while starting: ${tail || 'no log output'} (log: ${engineLogFile(engine.name)})`);
      }
      lastError = status.error ?? lastError;
      if (Date.now() > nextNotice) {
        info(`  still waiting for ${engine.name} (pid ${pid}): ${lastError}`);
        nextNotice = Date.now() + 15_000;
      }
      await sleep(250);
    }
    throw new StackError('ENGINE_FAILED', `${engine.name} did not become healthy within ${engine.startTimeoutMs / 1000} s: ${lastError} (log: ${engineLogFile(engine.name)})`);
  }

  /** Stops an engine the way it likes to be stopped, then SIGKILL after its grace time. */
  async stop(engine: Engine): Promise<'stopped' | 'was-down'> {
    const record = readPidRecord(engine.name);
    if (!record) return 'was-down';
    if (isRunning(record.pid, record.startTime)) {
      process.kill(record.pid, engine.stopSignal);
      const deadline = Date.now() + engine.stopTimeoutMs;
      while (isRunning(record.pid, record.startTime) && Date.now() < deadline) await sleep(100);
      if (isRunning(record.pid, record.startTime)) {
        info(`  ${engine.name} did not stop within ${engine.stopTimeoutMs / 1000} s; sending SIGKILL`);
        process.kill(record.pid, 'SIGKILL');
        while (isRunning(record.pid, record.startTime)) await sleep(50);
      }
    }
    removePidRecord(engine.name);
    return 'stopped';
  }

  /** SIGKILL without cleanup: the pid file stays, so status reports the engine as crashed. */
  async kill(engine: Engine): Promise<'killed' | 'was-down'> {
    const record = readPidRecord(engine.name);
    if (!record || !isRunning(record.pid, record.startTime)) return 'was-down';
    process.kill(record.pid, 'SIGKILL');
    while (isRunning(record.pid, record.startTime)) await sleep(50);
    return 'killed';
  }
}
