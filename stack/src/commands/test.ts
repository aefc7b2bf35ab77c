// `test`: what CI runs. Installs the host tools tests need, brings the stack
// up when it is not running, type-checks, then runs every test file with
// node's test runner against the real engines.
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StackError } from '../errors.ts';
import { engines, units } from '../engines/registry.ts';
import type { Engine } from '../engines/engine.ts';
import { recordedMode } from '../mode.ts';
import { repoRoot } from '../paths.ts';
import { info, step } from '../progress.ts';
import { ensureHostPackages } from '../provision/host-packages.ts';
import { backendFor } from './backend.ts';
import { upNative } from './up.ts';

/**
 * Two phases. Component tests boot their own copies of the services against
 * the engines, so the stack's services are stopped while they run (otherwise a
 * running relay or projection would take their messages). System tests then
 * run against the whole system, started by `up` as a user would.
 */
const COMPONENT_TESTS = [
  'packages/*/test/**/*.test.ts',
  'services/*/test/**/*.test.ts',
  'stack/test/docker-compose.test.ts',
  'stack/test/engines.test.ts',
  'stack/test/bad-input.test.ts',
];
const SYSTEM_TESTS = ['tests/e2e/**/*.test.ts', 'stack/test/lifecycle.test.ts'];

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const child = spawn(command, args, { cwd: repoRoot, stdio: 'inherit', env });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
}

interface PhaseResult {
  code: number;
  passed: number;
  failed: number;
  skipped: number;
}

/** Runs node's test runner on some files, echoing its report and reading its totals. */
function runTests(files: readonly string[]): Promise<PhaseResult> {
  // One file at a time: tests share the engines, and some stop and kill them.
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const totals = { passed: 0, failed: 0, skipped: 0 };
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const match = /^ℹ (pass|fail|skipped) (\d+)$/.exec(line.trim());
      if (match) totals[match[1] === 'pass' ? 'passed' : match[1] === 'fail' ? 'failed' : 'skipped'] = Number(match[2]);
    }
  });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), ...totals })));
}

async function ensureUp(selected: readonly Engine[]): Promise<void> {
  const backend = backendFor();
  const statuses = await Promise.all(selected.map((e) => backend.status(e)));
  if (statuses.every((s) => s.state === 'healthy')) return;
  if (recordedMode() === 'docker') await backend.start(selected);
  else await step(`bringing up ${selected.length === units.length ? 'the whole system' : 'the engines'} for the tests`, () => upNative(selected));
}

export async function testCommand(extraArgs: string[]): Promise<number> {
  await ensureHostPackages({ 'docker-compose': 'docker-compose', chromium: 'chromium' }, 'the Compose file test and the browser tests of the UI');
  // The UI is type-checked on its own: browser libraries and JSX, no Node types.
  const tsc = join(repoRoot, 'node_modules/.bin/tsc');
  const typecheck = await step('type-checking (tsc --noEmit, then the UI)', async () => {
    const platform = await run(tsc, ['-p', 'tsconfig.json', '--noEmit']);
    return platform !== 0 ? platform : run(tsc, ['-p', 'ui/tsconfig.json', '--noEmit']);
  });
  if (typecheck !== 0) {
    info('type errors above; fix them and run again');
    return typecheck;
  }
  if (extraArgs.length > 0) {
    await ensureUp(units);
    return (await runTests(extraArgs)).code;
  }

  await ensureUp(engines);
  const backend = backendFor();
  const running: Engine[] = [];
  for (const service of units.filter((u) => u.kind === 'service')) if ((await backend.status(service)).state !== 'down') running.push(service);
  if (running.length > 0) await step('stopping the stack\'s services for the component tests', () => Promise.all(running.map((s) => backend.stop(s))));
  info('phase 1 of 2: component tests (services booted by the tests themselves)');
  const components = await runTests(COMPONENT_TESTS);

  await ensureUp(units);
  info('phase 2 of 2: system tests (the whole system, as ./stackctl up runs it)');
  const system = await runTests(SYSTEM_TESTS);

  const passed = components.passed + system.passed;
  const failed = components.failed + system.failed;
  const skipped = components.skipped + system.skipped;
  process.stdout.write(`\ncomponent tests: ${components.passed} passed, ${components.failed} failed; system tests: ${system.passed} passed, ${system.failed} failed\n`);
  process.stdout.write(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`);
  return components.code !== 0 ? components.code : system.code;
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
