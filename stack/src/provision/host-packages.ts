// Debian packages the host itself needs (debootstrap for the native stack,
// docker-compose to validate the Compose file in tests, chromium for browser
// tests). Installed with apt-get when missing; the rest lives in the cache.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { StackError } from '../errors.ts';
import { statePaths } from '../paths.ts';
import { runTool } from '../run-tool.ts';
import { step } from '../progress.ts';

function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Installs each package whose command is missing. `needs` maps command → Debian package. */
export async function ensureHostPackages(needs: Record<string, string>, why: string): Promise<void> {
  const missing = Object.entries(needs).filter(([command]) => !hasCommand(command));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map(([, pkg]) => pkg))];
  if (process.getuid?.() !== 0) {
    throw new StackError('MISSING_TOOL', `${why} needs ${packages.join(', ')}; install them (sudo apt-get install ${packages.join(' ')}) and run again`);
  }
  if (!hasCommand('apt-get')) {
    throw new StackError('MISSING_TOOL', `${why} needs ${packages.join(', ')} and this host has no apt-get; install them yourself and run again`);
  }
  const logFile = join(statePaths.provisionLogs, 'host-packages.log');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await step(`installing host packages ${packages.join(', ')} (apt-get)`, async () => {
    await runTool({ what: 'apt-get update', command: 'apt-get', args: ['update', '-qq'], logFile, timeoutMs: 300_000, env, failureCode: 'FETCH_FAILED' });
    await runTool({
      what: `apt-get install ${packages.join(' ')}`,
      command: 'apt-get',
      args: ['install', '-y', '-qq', '--no-install-recommends', ...packages],
      logFile,
      timeoutMs: 600_000,
      env,
      failureCode: 'FETCH_FAILED',
    });
  });
}

export { hasCommand };
