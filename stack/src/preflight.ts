// Checks made before anything is fetched or started, so a missing
// precondition is reported in one line and nothing is left half-started.
import { statfs } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { StackError } from './errors.ts';
import { cacheRoot, stateRoot } from './paths.ts';
import { hasCommand } from './provision/host-packages.ts';

const GiB = 1024 ** 3;

export function requireRootForNative(): void {
  if (process.getuid?.() !== 0) {
    throw new StackError('NEEDS_ROOT', 'the native stack needs root (debootstrap, chroot and mount namespaces); run it as root, or use Docker Compose: ./stackctl up --docker');
  }
  for (const tool of ['unshare', 'chroot', 'mount']) {
    if (!hasCommand(tool)) throw new StackError('MISSING_TOOL', `the native stack needs ${tool} (util-linux / coreutils); install it or use Docker Compose: ./stackctl up --docker`);
  }
}

async function freeBytes(path: string): Promise<number> {
  mkdirSync(path, { recursive: true });
  const stats = await statfs(path);
  return stats.bavail * stats.bsize;
}

/** Cold provisioning needs about 2.5 GiB in the cache; engines' data needs headroom too. */
export async function requireDisk(options: { coldCache: boolean }): Promise<void> {
  const minimum = Number(process.env.STACK_MIN_FREE_GIB ?? '');
  const needs = [
    { path: cacheRoot, bytes: (Number.isFinite(minimum) && minimum > 0 ? minimum : options.coldCache ? 4 : 1) * GiB, what: 'the cache' },
    { path: stateRoot, bytes: (Number.isFinite(minimum) && minimum > 0 ? minimum : 1) * GiB, what: 'engine data' },
  ];
  for (const need of needs) {
    const free = await freeBytes(need.path);
    if (free < need.bytes) {
      throw new StackError('LOW_DISK', `too little disk for ${need.what}: ${(free / GiB).toFixed(1)} GiB free at ${need.path}, ${(need.bytes / GiB).toFixed(0)} GiB needed; free some space and run again`);
    }
  }
}
