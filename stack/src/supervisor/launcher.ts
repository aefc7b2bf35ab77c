// How an engine process is started natively: in its own mount namespace,
// chrooted into the Debian root, as the unprivileged `polyglot` user. Its
// data folder (in the checkout) and its artifacts (in the cache) are bind
// mounted under /srv, so no engine needs access to the caller's home or
// checkout path, and nothing stays mounted once the process ends.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from '../errors.ts';

export const ENGINE_USER = 'polyglot';

export interface Bind {
  /** Folder on the host. */
  source: string;
  /** Absolute path as the engine sees it (inside the root). */
  target: string;
}

export interface LaunchSpec {
  root: string;
  argv: readonly string[];
  binds: readonly Bind[];
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

// Binds each (source, target) pair given before `--`, then execs the rest, so
// the engine keeps the pid that the supervisor recorded.
const ENTER_SCRIPT = [
  'set -e',
  'root="$1"; shift',
  'mount --rbind /proc "$root/proc"',
  'mount --rbind /dev "$root/dev"',
  'while [ "$1" != "--" ]; do mkdir -p "$root$2"; mount --bind "$1" "$root$2"; shift 2; done',
  'shift',
  'exec "$@"',
].join('; ');

export function launchCommand(spec: LaunchSpec): { command: string; args: string[] } {
  const env = Object.entries({ ...BASE_ENV, ...spec.env }).map(([k, v]) => `${k}=${v}`);
  const inner = spec.cwd ? ['sh', '-c', 'cd "$0" && exec "$@"', spec.cwd, ...spec.argv] : [...spec.argv];
  const chroot = spec.asRoot ? ['chroot', spec.root] : ['chroot', `--userspec=${ENGINE_USER}:${ENGINE_USER}`, spec.root];
  return {
    command: 'unshare',
    args: [
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      ENTER_SCRIPT,
      'enter-root',
      spec.root,
      ...spec.binds.flatMap((b) => [b.source, b.target]),
      '--',
      ...chroot,
      'env',
      '-i',
      ...env,
      ...inner,
    ],
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
