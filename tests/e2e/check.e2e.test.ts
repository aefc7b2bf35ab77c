// ./stackctl check on the running system (docs/history-checker.md): clients
// over the public API in both modes while a seeded nemesis kills services and
// pauses, delays and duplicates projections; every fault healed, the history
// checker finds no anomaly in any property. The seed is fixed so that a failure
// here can be replayed as it was: the command is in the failure message.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { FAULT_SERVICES } from '@polyglot/contracts/faults';
import { HISTORY_PROPERTIES } from '@polyglot/contracts/history';
import { runCli } from '@polyglot/stack/test-fixtures/run-cli';
import { restoreStack } from './outage-support.ts';

// Seed 1 plans, over 20 s, a fault of each kind: a pause, a kill of the users service, a duplicate and a delay.
const SEED = '1';

after(() => restoreStack(FAULT_SERVICES));

test('./stackctl check --seconds 20 under a nemesis of every kind: every property checked, zero anomalies', { timeout: 600_000 }, async () => {
  const args = ['check', '--seconds', '20', '--clients', '8', '--nemesis', 'kill,pause,delay,duplicate', '--seed', SEED, '--json'];
  const result = await runCli(args);
  // Its progress, for the test log.
  process.stdout.write(result.stderr.split('\n').filter((l) => l.includes('check:')).map((l) => `  ${l}\n`).join(''));
  const summary = JSON.parse(result.stdout || 'null') as {
    valid: boolean;
    replay: string;
    historyFile: string;
    convergenceMs: number | null;
    settledMs: number | null;
    healFailures: string[];
    plan: Array<{ kind: string }>;
    nemesis: Array<{ phase: string; error: string | null; step: { kind: string; target: string } }>;
    stats: { writes: number; reads: number };
    verdict: { properties: Record<string, { checked: number; anomalies: number }>; anomalies: unknown[] };
  } | null;
  assert.ok(summary, `no summary (exit ${result.code}): ${result.stderr.slice(-2000)}`);
  assert.equal(result.code, 0, `anomalies (replay: ${summary.replay}; history ${summary.historyFile}):\n${JSON.stringify(summary.verdict.anomalies.slice(0, 5), null, 1)}`);
  assert.equal(summary.valid, true);
  for (const property of HISTORY_PROPERTIES) assert.ok(summary.verdict.properties[property]!.checked > 0, `${property} was checked`);
  assert.ok(summary.stats.writes > 100 && summary.stats.reads > 50, JSON.stringify(summary.stats));
  // The nemesis did what it planned, and everything was healed.
  assert.deepEqual(new Set(summary.plan.map((s) => s.kind)), new Set(['kill', 'pause', 'delay', 'duplicate']));
  const failed = summary.nemesis.filter((e) => e.error !== null);
  assert.deepEqual(failed, [], 'every fault began and was healed');
  assert.deepEqual(summary.healFailures, []);
  assert.notEqual(summary.settledMs, null, 'the pipeline settled');
  assert.equal(typeof summary.convergenceMs, 'number');
  process.stdout.write(`  converged ${summary.convergenceMs} ms after the last acknowledged write; ${summary.stats.writes} writes, ${summary.stats.reads} reads\n`);
});
