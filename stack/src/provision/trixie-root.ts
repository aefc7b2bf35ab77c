// A Debian trixie root folder (debootstrap) holding PostgreSQL 17,
// TimescaleDB, Redis and a Java 21 runtime. Built once per user into the
// cache; every native engine then runs chrooted into it (see launcher.ts).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { versions } from '../engines/endpoints.ts';
import { statePaths } from '../paths.ts';
import { runTool } from '../run-tool.ts';
import { ensureArtifact, artifactDir } from './cached-artifact.ts';
import { ensureHostPackages } from './host-packages.ts';
import { ENGINE_USER, launchCommand } from '../supervisor/launcher.ts';

const PACKAGES = ['postgresql-17', 'postgresql-17-timescaledb', 'redis-server', 'openjdk-21-jre-headless'] as const;
// Bump when the recipe below changes in a way that needs a new root.
const RECIPE = 1;

export const trixieRootKey = `debian-${versions.debianSuite}-root-${createHash('sha256')
  .update(JSON.stringify({ PACKAGES, RECIPE }))
  .digest('hex')
  .slice(0, 10)}`;

export function trixieRootDir(): string {
  return artifactDir(trixieRootKey);
}

/** The host's Debian mirror, so debootstrap uses what apt already reaches. */
export function debianMirror(): string {
  if (process.env.STACK_DEBIAN_MIRROR) return process.env.STACK_DEBIAN_MIRROR;
  const candidates = ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list'];
  for (const file of candidates) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const deb822 = /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(text);
    if (deb822?.[1]) return deb822[1];
    const oneLine = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s/m.exec(text);
    if (oneLine?.[1]) return oneLine[1];
  }
  return 'http://deb.debian.org/debian';
}

export async function ensureTrixieRoot(): Promise<string> {
  return ensureArtifact({
    key: trixieRootKey,
    label: `Debian ${versions.debianSuite} root with ${PACKAGES.join(', ')}`,
    build: async (root) => {
      await ensureHostPackages({ debootstrap: 'debootstrap' }, 'the native stack');
      const logFile = join(statePaths.provisionLogs, 'debian-root.log');
      const mirror = debianMirror();
      await runTool({
        what: `debootstrap ${versions.debianSuite} from ${mirror}`,
        command: 'debootstrap',
        args: ['--variant=minbase', versions.debianSuite, root, mirror],
        logFile,
        timeoutMs: 900_000,
        failureCode: 'FETCH_FAILED',
      });
      // No service may start while packages install, and no default cluster is wanted:
      // the stack creates its own clusters in the checkout's data folder.
      await writeFile(join(root, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n');
      await chmod(join(root, 'usr/sbin/policy-rc.d'), 0o755);
      await mkdir(join(root, 'etc/postgresql-common'), { recursive: true });
      await writeFile(join(root, 'etc/postgresql-common/createcluster.conf'), 'create_main_cluster = false\n');
      await copyFile('/etc/resolv.conf', join(root, 'etc/resolv.conf')).catch(() => undefined);
      // Java's package scripts need /proc: run the installs through the same launcher as the engines.
      const inRoot = (what: string, script: string, timeoutMs: number) => {
        const { command, args, env } = launchCommand({ root, argv: ['sh', '-c', script], binds: [], asRoot: true, env: { DEBIAN_FRONTEND: 'noninteractive' } });
        return runTool({ what, command, args, env, logFile, timeoutMs, failureCode: 'FETCH_FAILED' });
      };
      await inRoot('apt-get update in the Debian root', 'apt-get update -qq', 600_000);
      await inRoot(`apt-get install ${PACKAGES.join(' ')}`, `apt-get install -y -qq --no-install-recommends ${PACKAGES.join(' ')}`, 900_000);
      await inRoot(`creating user ${ENGINE_USER}`, `useradd --system --user-group --no-create-home --home-dir /srv/data ${ENGINE_USER} && apt-get clean`, 120_000);
      await mkdir(join(root, 'srv/data'), { recursive: true });
    },
  });
}
