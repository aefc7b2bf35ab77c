// Stops, starts and SIGKILLs the stack's units for /faults, through the
// stack's own CLI (stack/src/cli.ts) run with this Node: the same code path as
// `./stackctl stop|start|kill UNIT`, in the native stack and under Docker
// Compose alike. Never a shell: execFile with an allow-listed unit and action,
// bounded in time, one action per unit at a time.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FAULT_UNITS, type FaultUnit, type UnitAction } from '@polyglot/contracts/faults';
import { AppError } from '@polyglot/platform/errors';

/** Engines can take a while to come up (Kafka, Neo4j, Connect); stopping waits for a clean shutdown. */
export const UNIT_ACTION_TIMEOUT_MS: Record<UnitAction | 'status', number> = { start: 180_000, stop: 90_000, kill: 30_000, status: 15_000 };

// Settings of the gateway alone: a unit the CLI starts inherits this environment and must not get them.
const GATEWAY_ONLY = ['PORT', 'AUTH_REQUIRED', 'ADMIN_EMAILS', 'STACK_CLI', 'SESSION_TTL_S', 'CORS_ORIGINS', 'LOGIN_MAX_PER_EMAIL', 'LOGIN_MAX_PER_ADDRESS', 'LOGIN_WINDOW_S', 'NODE_TEST_CONTEXT'];

export interface UnitStatus {
  name: string;
  kind: 'engine' | 'service';
  state: string;
  pid: number | null;
}

interface Ran {
  stdout: string;
  stderr: string;
}

const plain = (text: string) => text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').trim();

export function createStackUnits(cli: string | null) {
  const busy = new Set<FaultUnit>();

  const availability = (): { available: true } | { available: false; reason: string } => {
    if (cli === null) return { available: false, reason: 'switched off (STACK_CLI=off): this gateway does not drive the stack' };
    try {
      accessSync(cli, constants.R_OK);
      return { available: true };
    } catch {
      return { available: false, reason: `the stack CLI is not at ${cli} (set STACK_CLI to its path, or run the gateway from the repository)` };
    }
  };

  const run = (args: string[], timeoutMs: number): Promise<Ran> => {
    const state = availability();
    if (!state.available) return Promise.reject(new AppError('UNIT_CONTROL_UNAVAILABLE', `the gateway cannot drive the stack: ${state.reason}; use ./stackctl on the machine that runs it`));
    const env = { ...process.env };
    for (const key of GATEWAY_ONLY) delete env[key];
    return new Promise((resolvePromise, reject) => {
      execFile(
        process.execPath,
        ['--disable-warning=ExperimentalWarning', cli!, ...args],
        // The repository root, as when ./stackctl is run there.
        { cwd: resolve(dirname(cli!), '..', '..'), env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024, windowsHide: true },
        (error, stdout, stderr) => {
          if (!error) return resolvePromise({ stdout: plain(stdout), stderr: plain(stderr) });
          const e = error as NodeJS.ErrnoException & { killed?: boolean; code?: string | number };
          if (e.killed) return reject(new AppError('TIMEOUT', `./stackctl ${args.join(' ')} did not finish within ${timeoutMs / 1000} s; see ./stackctl status`));
          if (e.code === 'ENOENT' || e.code === 'EACCES') return reject(new AppError('UNIT_CONTROL_UNAVAILABLE', `the gateway cannot run the stack CLI (${e.code})`));
          // The CLI reports a failure as one line "stackctl: … [CODE]" on stderr.
          const report = plain(stderr).split('\n').reverse().find((line) => line.startsWith('stackctl:')) ?? plain(stderr).split('\n').at(-1) ?? `exit ${e.code}`;
          reject(new AppError('UNIT_ACTION_FAILED', `./stackctl ${args.join(' ')} failed: ${report.replace(/^stackctl:\s*/, '')}`));
        },
      );
    });
  };

  return {
    units: FAULT_UNITS,
    availability,

    /** Runs the action through the CLI and answers its report; 409 when an action on this unit is still running. */
    async act(unit: FaultUnit, action: UnitAction): Promise<string> {
      if (busy.has(unit)) throw new AppError('FAULT_IN_PROGRESS', `an action on ${unit} is still running; wait for it, then try again`, { unit });
      busy.add(unit);
      try {
        const { stdout, stderr } = await run([action, unit], UNIT_ACTION_TIMEOUT_MS[action]);
        return [stderr, stdout].filter(Boolean).join('\n').slice(-4000);
      } finally {
        busy.delete(unit);
      }
    },

    /** Every unit's state, as ./stackctl status --json reports it. */
    async states(): Promise<UnitStatus[]> {
      const { stdout } = await run(['status', '--json'], UNIT_ACTION_TIMEOUT_MS.status);
      const parsed = JSON.parse(stdout) as { engines: Array<{ engine: string; kind: 'engine' | 'service'; state: string; pid?: number | null }> };
      return parsed.engines.map((e) => ({ name: e.engine, kind: e.kind, state: e.state, pid: e.pid ?? null }));
    },
  };
}
export type StackUnits = ReturnType<typeof createStackUnits>;
