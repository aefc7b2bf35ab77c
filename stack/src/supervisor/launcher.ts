// How an engine or a service process is started natively: in its own mount
// namespace, chrooted into the Debian root, as the unprivileged `polyglot`
// user. What it needs from the host (an engine's data folder and artifacts, a
// service's checkout and Node) is bind mounted under /srv, so nothing needs
// access to the caller's home or checkout path, and nothing stays mounted once
// the process ends. Its environment is handed over by spawn (launchCommand's
// env), never on a command line, so a secret in it shows in no `ps` and no log.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from '../errors.ts';

export const ENGINE_USER = 'polyglot';

export interface Bind {
  /** Folder (or file) on the host. */
  source: string;
  /** Absolute path as the engine sees it (inside the root). */
  target: string;
  /** Mounted read-only. */
  readOnly?: boolean;
}

/** An empty, private, size-capped tmpfs at target (inside the root): a scratch /tmp, or a folder to hide. */
export interface Tmpfs {
  tmpfs: string;
  target: string;
}

export type Mount = Bind | Tmpfs;

export interface LaunchSpec {
  root: string;
  argv: readonly string[];
  /** Mounted in this order, so a later one may cover part of an earlier one. */
  binds: readonly Mount[];
  env?: Readonly<Record<string, string>>;
  /** Working folder inside the root. */
  cwd?: string;
  /** Run as root inside the chroot (only for package installs). */
  asRoot?: boolean;
}

const BASE_ENV = {
  PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
  LANG: 'C.UTF-8',
  HOME: '/srv/data',
  TZ: 'UTC',
};

// Mounts each (kind, source, target) triple given before `--` (kind rw or ro:
// a bind of a folder or a file; tmpfs: source holds its options), then execs
// the rest, so the engine keeps the pid that the supervisor recorded.
const ENTER_SCRIPT = [
  'set -e',
  'root="$1"; shift',
  'mount --rbind /proc "$root/proc"',
  'mount --rbind /dev "$root/dev"',
  'while [ "$1" != "--" ]; do ' +
    'if [ "$1" = tmpfs ]; then mkdir -p "$root$3"; mount -t tmpfs -o "$2" tmpfs "$root$3"; ' +
    'else ' +
    'if [ -d "$2" ]; then mkdir -p "$root$3"; else mkdir -p "$(dirname "$root$3")"; [ -e "$root$3" ] || : > "$root$3"; fi; ' +
    'mount --bind "$2" "$root$3"; ' +
    'if [ "$1" = ro ]; then mount -o remount,bind,ro "$root$3"; fi; ' +
    'fi; shift 3; done',
  'shift',
  'exec "$@"',
].join('; ');

function mountArgs(mount: Mount): string[] {
  return 'tmpfs' in mount ? ['tmpfs', mount.tmpfs, mount.target] : [mount.readOnly ? 'ro' : 'rw', mount.source, mount.target];
}

export function launchCommand(spec: LaunchSpec): { command: string; args: string[]; env: Record<string, string> } {
  const inner = spec.cwd ? ['sh', '-c', 'cd "$0" && exec "$@"', spec.cwd, ...spec.argv] : [...spec.argv];
  const chroot = spec.asRoot ? ['chroot', spec.root] : ['chroot', `--userspec=${ENGINE_USER}:${ENGINE_USER}`, spec.root];
  return {
    command: 'unshare',
    args: ['--mount', '--propagation', 'private', 'sh', '-c', ENTER_SCRIPT, 'enter-root', spec.root, ...spec.binds.flatMap(mountArgs), '--', ...chroot, ...inner],
    // The whole environment of the process: nothing of the caller's leaks in (spawn it with exactly this).
    env: { ...BASE_ENV, ...spec.env },
  };
}

/** uid and gid of the engine user inside the root, for chown of data folders. */
export function engineUserIds(root: string): { uid: number; gid: number } {
  const passwd = readFileSync(join(root, 'etc/passwd'), 'utf8');
  const line = passwd.split('\n').find((l) => l.startsWith(`${ENGINE_USER}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) {
    throw new StackError('ENGINE_FAILED', `user ${ENGINE_USER} is missing from ${root}/etc/passwd; delete that folder and run ./stackctl up to rebuild it`);
  }
  return { uid: Number(uid), gid: Number(gid) };
}
