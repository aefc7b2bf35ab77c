// The history checker (stack/provision/history-checker, docs/history-checker.md): our small Go
// program that judges a recorded history with Porcupine and the other consistency properties.
// Built as FerretDB is, into the cache under a key that includes a hash of its source.
import { join } from 'node:path';
import { repoRoot, statePaths } from '../paths.ts';
import { runTool } from '../run-tool.ts';
import { ensureArtifact } from './cached-artifact.ts';
import { goEnv, goSourceHash, requireGo } from './go-build.ts';

export const historyCheckerSourceDir = join(repoRoot, 'stack/provision/history-checker');

const historyCheckerKey = `history-checker-${goSourceHash(historyCheckerSourceDir)}`;

/** Returns the path of the `history-checker` binary, building it first when the cache lacks it. */
export async function ensureHistoryCheckerBinary(): Promise<string> {
  const dir = await ensureArtifact({
    key: historyCheckerKey,
    label: 'the history checker built with Porcupine from the Go module proxy',
    build: async (partialDir) => {
      requireGo('building the history checker');
      await runTool({
        what: 'building the history checker',
        command: 'go',
        args: ['build', '-trimpath', '-ldflags=-s -w', '-o', join(partialDir, 'history-checker'), '.'],
        cwd: historyCheckerSourceDir,
        env: goEnv(),
        logFile: join(statePaths.provisionLogs, 'history-checker-build.log'),
        timeoutMs: 600_000,
        failureCode: 'BUILD_FAILED',
      });
    },
  });
  return join(dir, 'history-checker');
}
