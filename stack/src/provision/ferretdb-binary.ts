// FerretDB (the MongoDB wire protocol; the stack runs it on its PostgreSQL
// backend, the ferretdb-store engine), built from the Go module proxy through
// the small `main` in stack/provision/ferretdb. The key includes a hash of that
// source, so a change to it rebuilds the binary.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { versions } from '../engines/endpoints.ts';
import { StackError } from '../errors.ts';
import { cacheRoot, repoRoot, statePaths } from '../paths.ts';
import { runTool } from '../run-tool.ts';
import { ensureArtifact } from './cached-artifact.ts';

const sourceDir = join(repoRoot, 'stack/provision/ferretdb');

function sourceHash(): string {
  const hash = createHash('sha256');
  for (const file of ['main.go', 'go.mod', 'go.sum']) hash.update(readFileSync(join(sourceDir, file)));
  return hash.digest('hex').slice(0, 10);
}

export const ferretdbKey = `ferretdb-${versions.ferretdb}-${sourceHash()}`;

function requireGo(): string {
  let version = '';
  try {
    version = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
  } catch {
    throw new StackError('MISSING_TOOL', 'building FerretDB needs Go 1.24 or newer (go not found); install Go or use Docker Compose (./stackctl up --docker)');
  }
  const [, major, minor] = /^go(\d+)\.(\d+)/.exec(version) ?? [];
  if (Number(major) < 1 || (Number(major) === 1 && Number(minor) < 24)) {
    throw new StackError('MISSING_TOOL', `building FerretDB needs Go 1.24 or newer, found ${version}; install a newer Go or use Docker Compose (./stackctl up --docker)`);
  }
  return version;
}

/** Returns the folder holding the `ferretdb` binary. */
export function ensureFerretdbBinary(): Promise<string> {
  return ensureArtifact({
    key: ferretdbKey,
    label: `FerretDB ${versions.ferretdb} built from the Go module proxy (1–3 min cold)`,
    build: async (dir) => {
      requireGo();
      await runTool({
        what: `building FerretDB ${versions.ferretdb}`,
        command: 'go',
        args: ['build', '-trimpath', '-ldflags=-s -w', '-o', join(dir, 'ferretdb'), '.'],
        cwd: sourceDir,
        env: {
          ...process.env,
          CGO_ENABLED: '0',
          GOFLAGS: '-mod=mod',
          GOTOOLCHAIN: 'local',
          // Module downloads and compiled packages are cached with the stack's other artifacts.
          GOMODCACHE: join(cacheRoot, 'go', 'mod'),
          GOCACHE: join(cacheRoot, 'go', 'build'),
        },
        logFile: join(statePaths.provisionLogs, 'ferretdb-build.log'),
        timeoutMs: 1_200_000,
        failureCode: 'BUILD_FAILED',
      });
    },
  });
}
