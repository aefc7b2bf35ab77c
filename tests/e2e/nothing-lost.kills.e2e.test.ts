// Nothing is lost when the pipeline's processes die (issue 5, "Proof that
// nothing is lost"): under a steady write load, two projectors, then Kafka
// Connect, then the Kafka broker are SIGKILLed through the gateway's /faults;
// then each is started again. Writes keep being accepted throughout (the
// sources are up); once the load stops and the pipeline has drained,
// TimescaleDB holds exactly one row per change this run made (none missing,
// none twice), Neo4j and Redis show every change, and the reconciler reports
// zero drift. Every unit is running again at the end, whatever happened.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pipelineDrained } from './support.ts';
import {
  cacheProblems,
  connectorRunning,
  eventProblems,
  expectedRows,
  graphProblems,
  percentile,
  driftBaseline,
  reconcileClean,
  outageScenario,
  sleep,
  sourceNames,
  unitAction,
  WriteLoad,
} from './outage-support.ts';

const UNITS = ['analytics', 'projectors', 'connect', 'kafka'] as const;

const stores = outageScenario(UNITS);

test('SIGKILL two projectors, Kafka Connect and the Kafka broker under a steady write load, then start each: nothing missing, nothing twice, zero drift', { timeout: 420_000 }, async () => {
  const baseline = await driftBaseline();
  const load = new WriteLoad('kill', { workers: 2, intervalMs: 200 });
  const timings: string[] = [];
  load.start();
  try {
    await sleep(3000);
    // A projector (and the cache's): their consumers die with uncommitted offsets.
    const [analyticsMs, projectorsMs] = await Promise.all([unitAction('analytics', 'kill'), unitAction('projectors', 'kill')]);
    timings.push(`projectors killed in ${Math.max(analyticsMs, projectorsMs)} ms`);
    await sleep(3000);
    // Debezium dies between offset flushes: it must resume from its slot, re-sending rather than skipping.
    timings.push(`connect killed in ${await unitAction('connect', 'kill')} ms`);
    await sleep(3000);
    // The broker itself: relays and Debezium cannot publish, consumers lose their coordinator.
    timings.push(`kafka killed in ${await unitAction('kafka', 'kill')} ms`);
    await sleep(5000);
    timings.push(`kafka started in ${await unitAction('kafka', 'start')} ms`);
    timings.push(`connect started in ${await unitAction('connect', 'start')} ms`);
    const [a, p] = await Promise.all([unitAction('analytics', 'start'), unitAction('projectors', 'start')]);
    timings.push(`projectors started in ${Math.max(a, p)} ms`);
    await sleep(5000);
  } finally {
    await load.stop();
  }
  const { written } = load;
  process.stdout.write(
    `  ${load.writes} writes (${written.users.size} users, ${written.posts.size} posts, ${written.follows.size} follows), ` +
      `latency p50 ${percentile(load.latencies, 50)} ms, p99 ${percentile(load.latencies, 99)} ms, max ${Math.max(...load.latencies)} ms; ${timings.join(', ')}\n`,
  );
  // The sources were up all along: every write was accepted.
  assert.deepEqual(load.failures, [], 'every write of the load succeeded');
  assert.ok(written.users.size >= 20 && written.posts.size >= 10 && written.follows.size >= 10, 'the load wrote every kind of change');

  const drainStarted = Date.now();
  await connectorRunning();
  await pipelineDrained(180_000);
  const problems = await (async () => {
    // Drained means the log is consumed; give the last batch a moment to be visible in every store.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const names = await sourceNames(written);
      const found = [...(await eventProblems(stores.timescale, written)), ...(await graphProblems(stores.neo4j, written, names)), ...(await cacheProblems(stores.redis, names))];
      if (found.length === 0 || Date.now() > deadline) return found;
      await sleep(1000);
    }
  })();
  assert.deepEqual(problems, [], 'TimescaleDB, Neo4j and Redis hold exactly what was written');
  process.stdout.write(`  pipeline drained and every store complete ${Date.now() - drainStarted} ms after the load stopped; ${expectedRows(written)} event rows, each exactly once\n`);

  assert.deepEqual(await reconcileClean(baseline), []);
});
