// A download or build cached per user under a versioned key. It is made in a
// `.partial` folder and renamed into place only when complete, so Ctrl-C or a
// failed fetch never leaves a half-made artifact that a later run would trust.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheRoot } from '../paths.ts';
import { step } from '../progress.ts';

const COMPLETE_MARKER = '.complete';

export interface CachedArtifact {
  key: string;
  label: string;
  build(partialDir: string): Promise<void>;
}

export function artifactDir(key: string): string {
  return join(cacheRoot, key);
}

export function isCached(key: string): boolean {
  return existsSync(join(artifactDir(key), COMPLETE_MARKER));
}

async function removeStalePartials(key: string): Promise<void> {
  const entries = await readdir(cacheRoot).catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((name) => name.startsWith(`${key}.partial-`))
      .filter((name) => !isLiveOwner(Number(name.slice(`${key}.partial-`.length))))
      .map((name) => rm(join(cacheRoot, name), { recursive: true, force: true })),
  );
}

function isLiveOwner(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return pid !== process.pid;
  } catch {
    return false;
  }
}

/** Returns the artifact's folder, making it first when it is not cached yet. */
export async function ensureArtifact(artifact: CachedArtifact): Promise<string> {
  const finalDir = artifactDir(artifact.key);
  if (isCached(artifact.key)) return finalDir;
  await mkdir(cacheRoot, { recursive: true });
  await removeStalePartials(artifact.key);
  const partialDir = `${finalDir}.partial-${process.pid}`;
  await rm(partialDir, { recursive: true, force: true });
  await mkdir(partialDir, { recursive: true });
  try {
    await step(`${artifact.label} → cache ${artifact.key}`, () => artifact.build(partialDir));
    await writeFile(join(partialDir, COMPLETE_MARKER), `${new Date().toISOString()}\n`);
    // Another checkout may have finished the same artifact meanwhile; theirs is as good as ours.
    if (isCached(artifact.key)) {
      await rm(partialDir, { recursive: true, force: true });
    } else {
      await rm(finalDir, { recursive: true, force: true });
      await rename(partialDir, finalDir);
    }
  } catch (error) {
    await rm(partialDir, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
  return finalDir;
}
