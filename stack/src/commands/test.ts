// `test`: what CI runs. Installs the host tools tests need, brings the stack
// up when it is not running, type-checks, then runs every test file with
// node's test runner against the real engines.
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StackError } from '../errors.ts';
import { units } from '../engines/registry.ts';
import { recordedMode } from '../mode.ts';
import { repoRoot } from '../paths.ts';
import { info, step } from '../progress.ts';
import { ensureHostPackages } from '../provision/host-packages.ts';
import { backendFor } from './backend.ts';
import { upNative } from './up.ts';

const TEST_GLOBS = ['stack/test/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'bench/test/**/*.test.ts'];

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const child = spawn(command, args, { cwd: repoRoot, stdio: 'inherit', env });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
}

export async function testCommand(extraArgs: string[]): Promise<number> {
  await ensureHostPackages({ 'docker-compose': 'docker-compose' }, 'the Compose file test');
  const backend = backendFor();
  const statuses = await Promise.all(units.map((e) => backend.status(e)));
  if (statuses.some((s) => s.state !== 'healthy')) {
    if (recordedMode() === 'docker') await backend.start(units);
    else await step('bringing the stack up for the tests', () => upNative());
  } else {
    info('the stack is up; running the tests against it');
  }
  const typecheck = await step('type-checking (tsc --noEmit)', () => run(join(repoRoot, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json', '--noEmit']));
  if (typecheck !== 0) {
    info('type errors above; fix them and run again');
    return typecheck;
  }
  const files = extraArgs.length > 0 ? extraArgs : TEST_GLOBS;
  // One file at a time: lifecycle tests stop and kill engines that other files use.
  return run(process.execPath, ['--disable-warning=ExperimentalWarning', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files]);
}

/** Runs bench/NAME.ts with this Node; benchmarks print numbers, they assert nothing. */
export async function benchCommand(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  const available = (await readdir(join(repoRoot, 'bench'))).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
  if (!name || !available.includes(name)) {
    throw new StackError('BAD_ARGUMENT', `bench needs one of: ${available.join(', ')}`, { exitCode: 2 });
  }
  return run(process.execPath, ['--disable-warning=ExperimentalWarning', join(repoRoot, 'bench', `${name}.ts`), ...rest]);
}
