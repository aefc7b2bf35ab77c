// FerretDB (the MongoDB wire protocol; the stack runs it on its PostgreSQL
// backend, the ferretdb-store engine), built from the Go module proxy through
// the small `main` in stack/provision/ferretdb. The key includes a hash of that
// source, so a change to it rebuilds the binary.
import { join } from 'node:path';
import { versions } from '../engines/endpoints.ts';
import { repoRoot, statePaths } from '../paths.ts';
import { runTool } from '../run-tool.ts';
import { ensureArtifact } from './cached-artifact.ts';
import { goEnv, goSourceHash, requireGo } from './go-build.ts';

const sourceDir = join(repoRoot, 'stack/provision/ferretdb');

export const ferretdbKey = `ferretdb-${versions.ferretdb}-${goSourceHash(sourceDir)}`;

/** Returns the folder holding the `ferretdb` binary. */
export function ensureFerretdbBinary(): Promise<string> {
  return ensureArtifact({
    key: ferretdbKey,
    label: `FerretDB ${versions.ferretdb} built from the Go module proxy (1–3 min cold)`,
    build: async (dir) => {
      requireGo('building FerretDB');
      await runTool({
        what: `building FerretDB ${versions.ferretdb}`,
        command: 'go',
        args: ['build', '-trimpath', '-ldflags=-s -w', '-o', join(dir, 'ferretdb'), '.'],
        cwd: sourceDir,
        env: goEnv(),
        logFile: join(statePaths.provisionLogs, 'ferretdb-build.log'),
        timeoutMs: 1_200_000,
        failureCode: 'BUILD_FAILED',
      });
    },
  });
}
