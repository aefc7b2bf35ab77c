// Benchmark: how long `stackctl up` takes and how much memory the engines
// hold. Prints numbers; asserts nothing.
//
//   cold        empty download cache, empty data  (a new machine)
//   warm-fresh  cached artifacts, empty data      (a fresh clone on a machine that ran the stack before)
//   warm        cached artifacts, existing data   (a restart)
//
// It runs in a cache and state folder of its own, so it stops the checkout's
// stack first (the ports are shared) and starts it again afterwards.
// Options: --skip-cold (reuse the user's cache for the warm runs), --runs N (warm repetitions, default 3).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { recordFigures } from './support/figures-doc.ts';

const cli = join(import.meta.dirname, '..', 'stack', 'src', 'cli.ts');
const { values } = parseArgs({ options: { 'skip-cold': { type: 'boolean' }, runs: { type: 'string', default: '3' } } });
const warmRuns = Number(values.runs);

interface UpJson {
  changed: boolean;
  provisionMs: number;
  healthyAfterMs: Record<string, number>;
  statuses: Array<{ engine: string; state: string; rssBytes?: number; version?: string }>;
}

function cliRun(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; ms: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, stdout, ms: performance.now() - t0 })));
}

async function up(label: string, env: NodeJS.ProcessEnv): Promise<{ label: string; wallMs: number; result: UpJson }> {
  process.stderr.write(`\n=== ${label}: stackctl up ===\n`);
  const run = await cliRun(['up', '--native', '--json'], env);
  if (run.code !== 0) throw new Error(`${label}: up failed with exit code ${run.code}`);
  return { label, wallMs: run.ms, result: JSON.parse(run.stdout) as UpJson };
}

async function down(env: NodeJS.ProcessEnv): Promise<void> {
  const run = await cliRun(['down'], env);
  if (run.code !== 0) throw new Error(`down failed with exit code ${run.code}`);
}

const MiB = 1024 * 1024;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const scratch = mkdtempSync(join(tmpdir(), 'bench-stack-startup-'));
const userStatus = JSON.parse((await cliRun(['status', '--json'])).stdout) as { engines: Array<{ state: string }> };
const userStackWasUp = userStatus.engines.some((e) => e.state !== 'down');
const runs: Array<{ label: string; wallMs: number; result: UpJson }> = [];

try {
  if (userStackWasUp) {
    process.stderr.write('stopping the checkout\'s stack (the benchmark needs its ports)\n');
    await down({});
  }
  const cache = values['skip-cold'] ? {} : { XDG_CACHE_HOME: join(scratch, 'cache') };
  if (!values['skip-cold']) {
    const env = { ...cache, STACK_STATE_DIR: join(scratch, 'state-cold') };
    runs.push(await up('cold', env));
    await down(env);
  }
  for (let i = 0; i < warmRuns; i++) {
    const env = { ...cache, STACK_STATE_DIR: join(scratch, `state-fresh-${i}`) };
    runs.push(await up('warm-fresh', env));
    await down(env);
  }
  const warmEnv = { ...cache, STACK_STATE_DIR: join(scratch, 'state-fresh-0') };
  for (let i = 0; i < warmRuns; i++) {
    runs.push(await up('warm', warmEnv));
    if (i < warmRuns - 1) await down(warmEnv);
  }
  const last = runs.at(-1)!;
  await down(warmEnv);

  const engines = last.result.statuses.map((s) => s.engine);
  const out: string[] = [];
  out.push('', 'stack-startup: `stackctl up` to all engines healthy (wall time, seconds)', '');
  out.push(['scenario', 'runs', 'wall (median)', 'provisioning', ...engines.map((e) => `${e} healthy`)].join(' | '));
  for (const label of ['cold', 'warm-fresh', 'warm']) {
    const mine = runs.filter((r) => r.label === label);
    if (mine.length === 0) continue;
    const cells = [label, String(mine.length), seconds(median(mine.map((r) => r.wallMs))), seconds(median(mine.map((r) => r.result.provisionMs)))];
    for (const engine of engines) cells.push(seconds(median(mine.map((r) => r.result.healthyAfterMs[engine] ?? Number.NaN))));
    out.push(cells.join(' | '));
  }
  out.push('', 'resident memory right after the last warm start (VmRSS of each engine process)', '');
  let total = 0;
  for (const status of last.result.statuses) {
    total += status.rssBytes ?? 0;
    out.push(`${status.engine.padEnd(12)} ${String(Math.round((status.rssBytes ?? 0) / MiB)).padStart(5)} MiB  ${status.version ?? ''}`);
  }
  out.push(`${'total'.padEnd(12)} ${String(Math.round(total / MiB)).padStart(5)} MiB`);
  out.push('', 'targets: warm ≤ 30 s, cold ≤ 4 min, all engines ≤ 2048 MiB resident');
  process.stdout.write(`${out.join('\n')}\n`);
  recordFigures('stack-startup', out.join('\n'));
} finally {
  rmSync(scratch, { recursive: true, force: true });
  if (userStackWasUp) {
    process.stderr.write('\nstarting the checkout\'s stack again\n');
    await cliRun(['up', '--native']);
  }
}
