// The history checker can fail, and does when the system is broken on purpose
// (the test faults of packages/platform/src/test-faults.ts, which only a
// test's own processes can run with): ./stackctl check, without a nemesis,
// against
//   - a gateway whose strong writes answer before they waited: strong;
//   - an analytics projection that drops one change in a hundred: TimescaleDB
//     loses changes (convergence, lost or resurrected, and any read right
//     after the change);
//   - a cache projection that writes the version before over each newer one:
//     Redis goes back (convergence, and strong, read-your-writes, monotonic
//     reads when a read comes right after).
// Each names the broken property, in the broken store only. The stack's own
// unit is stopped while the test's faulty one takes its port and consumer
// group, and started again after; what the faulty projection left wrong is put
// right (the reconciler's repair, Redis's copies dropped), so the run leaves no drift.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { postKey, userKey } from '@polyglot/contracts/cache-keys';
import { startFaultyAnalytics, startFaultyGateway, startFaultyProjectors } from '@polyglot/gateway/test-fixtures/faulty-units';
import { runCli } from '@polyglot/stack/test-fixtures/run-cli';
import { openStores } from './support.ts';
import { restoreStack, slowCall, systemHealthy, unitAction } from './outage-support.ts';

interface Summary {
  valid: boolean;
  replay: string;
  historyFile: string;
  verdict: { properties: Record<string, { checked: number; anomalies: number }>; anomalies: Array<{ property: string; store: string; entity: string; explanation: string }> };
}

/** A check without a nemesis: the faults under test are the only ones. */
async function check(seconds: number, seed: number, env: Record<string, string> = {}): Promise<{ code: number | null; summary: Summary }> {
  const result = await runCli(['check', '--seconds', String(seconds), '--clients', '8', '--nemesis', 'none', '--seed', String(seed), '--json'], { env });
  const summary = JSON.parse(result.stdout || 'null') as Summary | null;
  assert.ok(summary, `no verdict (exit ${result.code}): ${result.stderr.slice(-2000)}`);
  const named = [...new Set(summary.verdict.anomalies.map((a) => `${a.property} in ${a.store}`))];
  process.stdout.write(`  exit ${result.code}; anomalies: ${named.join(', ') || 'none'} (replay: ${summary.replay})\n`);
  return { code: result.code, summary };
}

const show = (summary: Summary) => JSON.stringify(summary.verdict.anomalies.slice(0, 4), null, 1);

describe('the checker names each broken mode', () => {
  after(() => restoreStack(['analytics', 'projectors']));

  test('strong answers before it has waited: strong is broken', { timeout: 300_000 }, async () => {
    const gateway = await startFaultyGateway({ strongAnswersEarly: true });
    try {
      const { code, summary } = await check(20, 3, { GATEWAY_URL: `http://127.0.0.1:${gateway.port}` });
      assert.equal(code, 1, `the checker let it pass: ${show(summary)}`);
      assert.ok(summary.verdict.properties.strong!.anomalies > 0, `strong not named: ${show(summary)}`);
      // Only what the projections show can lag behind an answer given too early: strong reads, and a strong
      // delete's entity still alive there. The sources had committed before the answer; reads with a token still wait.
      assert.ok(summary.verdict.anomalies.every((a) => a.store !== 'postgres' && a.store !== 'ferretdb' && (a.property === 'strong' || a.property === 'lost-or-resurrected')), show(summary));
    } finally {
      await gateway.stop();
    }
  });

  test('a projection drops one message in a hundred: TimescaleDB loses changes, and only TimescaleDB', { timeout: 400_000 }, async () => {
    await unitAction('analytics', 'stop');
    const analytics = await startFaultyAnalytics({ dropOneIn: 100 });
    try {
      await systemHealthy();
      const { code, summary } = await check(30, 4);
      assert.equal(code, 1, `the checker let it pass: ${show(summary)}`);
      assert.ok(summary.verdict.anomalies.every((a) => a.store === 'timescaledb'), show(summary));
      const lost = summary.verdict.anomalies.filter((a) => ['convergence', 'lost-or-resurrected', 'read-your-writes', 'strong'].includes(a.property));
      assert.ok(lost.length > 0, show(summary));
    } finally {
      await analytics.stop();
      await unitAction('analytics', 'start');
      await systemHealthy();
      // The dropped changes: the reconciler finds them missing among the entities changed, and appends them.
      const repaired = await slowCall('POST', '/reconcile/repair?scope=changes');
      assert.equal(repaired.status, 200, JSON.stringify(repaired.body));
    }
  });

  test('a projection applies an older version over a newer one: Redis goes back, and only Redis', { timeout: 400_000 }, async () => {
    await unitAction('projectors', 'stop');
    const projectors = await startFaultyProjectors({ staleApply: true });
    let historyFile: string | undefined;
    try {
      await systemHealthy();
      const { code, summary } = await check(20, 5);
      historyFile = summary.historyFile;
      assert.equal(code, 1, `the checker let it pass: ${show(summary)}`);
      assert.ok(summary.verdict.anomalies.every((a) => a.store === 'redis'), show(summary));
      assert.ok(summary.verdict.properties.convergence!.anomalies > 0, `convergence not named: ${show(summary)}`);
    } finally {
      await projectors.stop();
      await unitAction('projectors', 'start');
      await systemHealthy();
      // What the faulty projection left behind: the run's profiles and posts, dropped from the cache (a miss is filled again).
      if (historyFile) {
        const entities = new Set(readFileSync(historyFile, 'utf8').split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { entity: string }).entity));
        const stores = openStores();
        try {
          for (const entity of entities) {
            const [source, id] = entity.split(':') as [string, string];
            if (source === 'users') await stores.redis.del(userKey(id));
            if (source === 'posts') await stores.redis.del(postKey(id));
          }
        } finally {
          await stores.close();
        }
      }
    }
  });
});
