// Schemathesis (API fuzzing from the OpenAPI document), from PyPI into a
// virtual environment in the cache, pinned so results are repeatable.
import { join } from 'node:path';
import { StackError } from '../errors.ts';
import { statePaths } from '../paths.ts';
import { runTool } from '../run-tool.ts';
import { ensureArtifact } from './cached-artifact.ts';
import { hasCommand } from './host-packages.ts';

export const SCHEMATHESIS_VERSION = '4.32.5';

/**
 * Returns how to run schemathesis. Through the venv's python and `-m`, because
 * the venv was made in a partial folder and its bin/ scripts name that path.
 */
export async function ensureSchemathesis(): Promise<{ command: string; args: string[] }> {
  const dir = await ensureArtifact({
    key: `schemathesis-${SCHEMATHESIS_VERSION}`,
    label: `schemathesis ${SCHEMATHESIS_VERSION} from PyPI`,
    build: async (partial) => {
      if (!hasCommand('python3')) throw new StackError('MISSING_TOOL', 'API fuzzing needs python3 (3.9+); install it (apt-get install python3 python3-venv) and run again');
      const logFile = join(statePaths.provisionLogs, 'schemathesis.log');
      await runTool({ what: 'creating a Python virtual environment', command: 'python3', args: ['-m', 'venv', partial], logFile, timeoutMs: 120_000 });
      await runTool({
        what: `pip install schemathesis==${SCHEMATHESIS_VERSION}`,
        command: join(partial, 'bin', 'pip'),
        args: ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`],
        logFile,
        timeoutMs: 600_000,
        failureCode: 'FETCH_FAILED',
      });
    },
  });
  return { command: join(dir, 'bin', 'python3'), args: ['-m', 'schemathesis.cli'] };
}
