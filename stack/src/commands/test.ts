// `test`: what CI runs. Installs the host tools tests need, brings the stack
// up when it is not running, type-checks, runs the static checks
// (static-checks.ts), then runs every test file with node's test runner
// against the real engines.
import { spawn } from 'node:child_process';
import { glob, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StackError } from '../errors.ts';
import { units } from '../engines/registry.ts';
import type { Engine } from '../engines/engine.ts';
import { recordedMode } from '../mode.ts';
import { repoRoot } from '../paths.ts';
import { info, step } from '../progress.ts';
import { ensureHostPackages } from '../provision/host-packages.ts';
import { ensureGeneratedCode } from '../services/generated-code.ts';
import { staticChecks } from '../static-checks.ts';
import type { TestRecord } from '../test-report.ts';
import { relativeFile, tally, type AllowedSkip, type Tally } from '../test-tally.ts';
import { allowedSkips } from '../../test/allowed-skips.ts';
import { backendFor } from './backend.ts';
import { upNative } from './up.ts';

/**
 * Two phases. Component tests boot their own copies of the services against
 * the engines; system tests then run against the whole system, started by
 * `up` as a user would.
 *
 * The stack's services are stopped during the component tests. Tests consume
 * in consumer groups of their own, so a running projection no longer takes
 * their messages; but running services would still get in their way:
 * - the stack's graph service runs the graph outbox relay, which publishes
 *   (and removes) outbox events that the graph tests look for in the outbox,
 *   or publish with a relay of their own;
 * - the stack's projections would apply the tests' messages to the same stores
 *   as the tests' projections: counters such as feed:gen:{id} would move twice
 *   per event, and a node a test cleans up could be written again after its
 *   clean-up by a projection that was behind.
 * Each test leaves on the shared topics only entities that end deleted, so the
 * stack's projections apply that backlog harmlessly when they start again.
 */
const COMPONENT_TESTS = ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'stack/test/**/*.test.ts'];
/** Matched first: a file here is a system test even when a component glob matches it too. */
const SYSTEM_TESTS = ['tests/e2e/**/*.test.ts', 'stack/test/lifecycle.test.ts'];
/** A system test whose name starts so runs after all the others (the no-drift check). */
const LAST = 'zz-';
const SKIP_LIST = 'stack/test/allowed-skips.ts';

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, stdout: 'inherit' | 'ignore' = 'inherit'): Promise<number> {
  const child = spawn(command, args, { cwd: repoRoot, stdio: ['inherit', stdout, 'inherit'], env });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
}

const ignoredDirs = /(^|\/)(node_modules|\.git|\.stack|dist)$/;

async function filesMatching(patterns: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  for await (const file of glob([...patterns], { cwd: repoRoot, exclude: (path) => ignoredDirs.test(path) })) found.add(file);
  return [...found].sort();
}

/** Every test file in the tree, in its phase, sorted; a file in neither phase is an error, not a test that never runs. */
export async function testPlan(): Promise<{ component: string[]; system: string[] }> {
  const all = await filesMatching(['**/*.test.ts']);
  const systemMatched = new Set(await filesMatching(SYSTEM_TESTS));
  const componentMatched = new Set(await filesMatching(COMPONENT_TESTS));
  const system = all.filter((f) => systemMatched.has(f));
  const component = all.filter((f) => !systemMatched.has(f) && componentMatched.has(f));
  const orphans = all.filter((f) => !systemMatched.has(f) && !componentMatched.has(f));
  if (orphans.length > 0) {
    throw new StackError('TEST_NOT_IN_A_PHASE', `${orphans.join(', ')} would never run: add ${orphans.length === 1 ? 'it' : 'them'} to a phase in stack/src/commands/test.ts`);
  }
  const isLast = (f: string) => basename(f).startsWith(LAST);
  return { component, system: [...system.filter((f) => !isLast(f)), ...system.filter(isLast)] };
}

/** Without the variable node sets in its test processes: a run started from a test is a run of its own. */
function runnerEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

export interface PhaseResult {
  code: number;
  records: TestRecord[];
}

/** Runs node's test runner on some files: the spec report for people, test-report.ts's records to count. */
export async function runTests(args: readonly string[], options: { quiet?: boolean } = {}): Promise<PhaseResult> {
  const dir = await mkdtemp(join(tmpdir(), 'stackctl-test-'));
  const recordsFile = join(dir, 'records.jsonl');
  try {
    // One file at a time: tests share the engines, and some stop and kill them.
    const code = await run(process.execPath, [
      '--disable-warning=ExperimentalWarning',
      '--test',
      '--test-concurrency=1',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      `--test-reporter=${pathToFileURL(join(repoRoot, 'stack/src/test-report.ts')).href}`,
      `--test-reporter-destination=${recordsFile}`,
      ...args,
    ], runnerEnv(), options.quiet ? 'ignore' : 'inherit');
    const text = await readFile(recordsFile, 'utf8').catch(() => '');
    const records = text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as TestRecord);
    return { code, records };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const where = (r: TestRecord) => `${relativeFile(repoRoot, r.file)}${r.line === null ? '' : `:${r.line}`}`;

/** Prints what failed and what was skipped without leave, then the last line; returns the exit code. */
export function conclude(phases: readonly PhaseResult[], allowed: readonly AllowedSkip[] = allowedSkips, write: (text: string) => void = (text) => process.stdout.write(text)): number {
  const result: Tally = tally(phases.flatMap((p) => p.records), allowed, repoRoot);
  const runnerFailed = phases.some((p) => p.code !== 0);
  if (result.failures.length > 0) {
    write('\nfailed:\n');
    for (const r of result.failures) write(`  ${where(r)}  ${r.name}${r.failure ? ` (${r.failure})` : ''}\n`);
  }
  if (result.unlisted.length > 0) {
    write(`\nskipped or todo, and not listed in ${SKIP_LIST} (a test must run: fix it, or list it there with a reason):\n`);
    for (const r of result.unlisted) {
      const why = r.skip ?? r.todo;
      write(`  ${where(r)}  ${r.name} (${r.todo !== undefined ? 'todo' : 'skip'}${typeof why === 'string' ? `: ${why}` : ''})\n`);
    }
  }
  // The runner failing with no failed test counted (a file that did not load, say) is a failure too.
  const failed = result.failed + (runnerFailed && result.failed === 0 ? 1 : 0);
  if (runnerFailed && result.failed === 0) write('\nnode\'s test runner failed without a failed test to name: see its report above\n');
  write(`${result.passed} passed, ${failed} failed, ${result.skipped} skipped\n`);
  return failed > 0 || result.unlisted.length > 0 ? 1 : 0;
}

async function ensureUp(selected: readonly Engine[]): Promise<void> {
  const backend = backendFor();
  const statuses = await Promise.all(selected.map((e) => backend.status(e)));
  if (statuses.every((s) => s.state === 'healthy')) return;
  if (recordedMode() === 'docker') await backend.start(selected);
  else await step(`bringing up ${selected.length === units.length ? 'the whole system' : 'the engines and the unit control'} for the tests`, () => upNative(selected));
}

export async function testCommand(extraArgs: string[]): Promise<number> {
  await ensureHostPackages({ 'docker-compose': 'docker-compose', chromium: 'chromium' }, 'the Compose file test and the browser tests of the UI');
  // The UI is type-checked on its own: browser libraries and JSX, no Node types.
  const tsc = join(repoRoot, 'node_modules/.bin/tsc');
  const typecheck = await step('type-checking (tsc --noEmit, then the UI)', async () => {
    await ensureGeneratedCode();
    const platform = await run(tsc, ['-p', 'tsconfig.json', '--noEmit']);
    return platform !== 0 ? platform : run(tsc, ['-p', 'ui/tsconfig.json', '--noEmit']);
  });
  if (typecheck !== 0) {
    info('type errors above; fix them and run again');
    return typecheck;
  }
  const checks = await step('static checks (oxlint, the layer rules, knip)', () => staticChecks());
  if (checks !== 0) {
    info('static-check violations above; fix them and run again (./stackctl lint runs these checks alone)');
    return checks;
  }
  const plan = await testPlan();
  let component = plan.component;
  let system = plan.system;
  let flags: string[] = [];
  if (extraArgs.length > 0) {
    // Only these files (and node flags), each in its phase, as the whole run would run it.
    flags = extraArgs.filter((a) => a.startsWith('-'));
    const chosen = extraArgs.filter((a) => !a.startsWith('-')).map((a) => relative(repoRoot, resolve(a)));
    if (chosen.length > 0) {
      component = chosen.filter((f) => plan.component.includes(f));
      system = chosen.filter((f) => !plan.component.includes(f));
    }
  }
  const phases: PhaseResult[] = [];
  if (component.length > 0) {
    // The engines and the unit control: the component tests' gateways drive /faults through it.
    await ensureUp(units.filter((u) => u.kind !== 'service'));
    const backend = backendFor();
    const running: Engine[] = [];
    for (const service of units.filter((u) => u.kind === 'service')) if ((await backend.status(service)).state !== 'down') running.push(service);
    if (running.length > 0) await step('stopping the stack\'s services for the component tests', () => Promise.all(running.map((s) => backend.stop(s))));
    info(`phase 1 of 2: component tests (services booted by the tests themselves), ${component.length} files`);
    phases.push(await runTests([...flags, ...component]));
  }
  // The whole system runs again afterwards, even when only component tests ran.
  await ensureUp(units);
  if (system.length > 0) {
    info(`phase 2 of 2: system tests (the whole system, as ./stackctl up runs it), ${system.length} files`);
    phases.push(await runTests([...flags, ...system]));
  }
  if (phases.length === 2) {
    const [c, s] = phases.map((p) => tally(p.records, allowedSkips, repoRoot)) as [Tally, Tally];
    process.stdout.write(`\ncomponent tests: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped; system tests: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped\n`);
  }
  return conclude(phases);
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
