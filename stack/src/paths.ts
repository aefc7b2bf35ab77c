// Where things live: downloads and builds in the per-user cache (shared by
// every checkout, keyed by version), data, logs and pid files in one
// git-ignored folder of this checkout.
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { UNIT_CONTROL_SOCKET } from '@polyglot/contracts/faults';

export const repoRoot = resolve(import.meta.dirname, '..', '..');

export const cacheRoot = join(
  process.env.XDG_CACHE_HOME && process.env.XDG_CACHE_HOME !== '' ? process.env.XDG_CACHE_HOME : join(homedir(), '.cache'),
  'polyglot-persistence',
);

export const stateRoot = process.env.STACK_STATE_DIR ?? join(repoRoot, '.stack');

export const statePaths = {
  root: stateRoot,
  data: join(stateRoot, 'data'),
  logs: join(stateRoot, 'logs'),
  run: join(stateRoot, 'run'),
  mounts: join(stateRoot, 'mnt'),
  provisionLogs: join(stateRoot, 'logs', 'provision'),
  /** The unit control's socket, alone in its folder: the one folder of the state bound into the gateway's root. */
  control: dirname(join(stateRoot, UNIT_CONTROL_SOCKET)),
};

export const controlSocket = join(stateRoot, UNIT_CONTROL_SOCKET);

export function engineDataDir(engine: string): string {
  return join(statePaths.data, engine);
}

export function engineLogFile(engine: string): string {
  return join(statePaths.logs, `${engine}.log`);
}
