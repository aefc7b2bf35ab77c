// Nothing is lost while Neo4j is down (issue 5, "Proof that nothing is lost"):
// Neo4j is stopped through the gateway's /faults while this file writes.
// Eventual writes whose source is elsewhere (users in PostgreSQL, posts in the
// document store) keep succeeding; strong ones answer 504 CONSISTENCY_TIMEOUT
// naming the graph projection, committed all the same; follows, whose source
// is Neo4j, answer 503 at once. Once Neo4j is back the graph catches up with
// every change made meanwhile, the late write's follow-up shows it applied,
// TimescaleDB holds each change once, and the reconciler reports zero drift.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '@polyglot/platform/wait-for';
import { api, pipelineDrained, runId } from './support.ts';
import {
  cacheProblems,
  createUserInto,
  emptyWritten,
  eventProblems,
  followInto,
  graphProblems,
  postInto,
  driftBaseline,
  reconcileClean,
  renameInto,
  outageScenario,
  QUICK_MS,
  sourceNames,
  systemHealthy,
  timed,
  unitAction,
} from './outage-support.ts';

const stores = outageScenario(['neo4j']);


test('Neo4j stopped during writes: eventual writes succeed, strong ones answer 504 naming the graph projection; once back, the graph catches up with zero drift', { timeout: 300_000 }, async () => {
  const baseline = await driftBaseline();
  const written = emptyWritten();
  const a = await createUserInto(written, 'neo-a');
  const b = await createUserInto(written, 'neo-b');
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  const [A, B] = [a.body.id as number, b.body.id as number];
  assert.equal((await followInto(written, A, B)).status, 201);
  await pipelineDrained();

  let lateToken = '';
  let latePostToken = '';
  const stopMs = await unitAction('neo4j', 'stop');
  let startMs = 0;
  try {
    // Eventual writes: their sources are up, so they commit and answer at once.
    const eventual: number[] = [];
    for (let i = 0; i < 5; i++) {
      const created = await createUserInto(written, `neo-during-${i}`);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const renamed = await renameInto(written, A, `Neo A ${runId} #${i}`);
      assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
      const posted = await postInto(written, created.body.id, `written while Neo4j is down #${i}`);
      assert.equal(posted.status, 201, JSON.stringify(posted.body));
      eventual.push(created.ms, renamed.ms, posted.ms);
    }
    assert.ok(Math.max(...eventual) < QUICK_MS, `eventual writes answer quickly (slowest ${Math.max(...eventual)} ms)`);

    // Strong writes: committed, but the graph projection cannot show them.
    const strong = await renameInto(written, B, `Neo B strong ${runId}`, '?consistency=strong&timeoutMs=3000');
    assert.equal(strong.status, 504, JSON.stringify(strong.body));
    assert.equal(strong.body.code, 'CONSISTENCY_TIMEOUT');
    assert.deepEqual(strong.body.late, ['graph'], 'only the graph projection is late');
    assert.match(strong.body.error, /the graph projection \(Neo4j\)/);
    assert.equal(strong.body.token, strong.headers.get('x-consistency-token'));
    lateToken = strong.body.token;
    assert.equal((await api('GET', `/users/${B}?consistency=strong`)).body.name, `Neo B strong ${runId}`, 'the strong write is committed at its source');

    const strongPost = await postInto(written, B, 'strong while Neo4j is down', '?consistency=strong&timeoutMs=3000');
    assert.equal(strongPost.status, 504, JSON.stringify(strongPost.body));
    assert.deepEqual(strongPost.body.late, ['graph']);
    latePostToken = strongPost.body.token;

    // A follow is born in Neo4j: it cannot be accepted, and says so at once.
    const follow = await timed('POST', '/follow', { followerId: B, followeeId: A });
    assert.equal(follow.status, 503, JSON.stringify(follow.body));
    assert.equal(follow.body.code, 'STORE_UNAVAILABLE');
    assert.ok(follow.ms < QUICK_MS, `the follow answered in ${follow.ms} ms`);
    const health = await timed('GET', '/health');
    assert.equal(health.status, 503);
    assert.ok(health.ms < QUICK_MS, `/health answered in ${health.ms} ms`);
    process.stdout.write(`  Neo4j stopped in ${stopMs} ms; eventual writes meanwhile: slowest ${Math.max(...eventual)} ms; strong: 504 after ${strong.ms} ms; follow: 503 in ${follow.ms} ms\n`);
  } finally {
    startMs = await unitAction('neo4j', 'start');
  }

  const back = Date.now();
  // On a timeout, the assertion shows what is still missing.
  await waitFor('the graph caught up with every change made while Neo4j was down', async () => (await graphProblems(stores.neo4j, written, await sourceNames(written))).length === 0, { timeoutMs: 90_000 }).catch(async () =>
    assert.deepEqual(await graphProblems(stores.neo4j, written, await sourceNames(written)), []),
  );
  const caughtUpMs = Date.now() - back;
  // The late write's follow-up now shows the graph applied it.
  for (const token of [lateToken, latePostToken]) {
    const state = await waitFor(`${token} visible in every projection`, async () => {
      const answer = await api('GET', `/consistency/${encodeURIComponent(token)}`);
      return answer.body?.complete ? answer.body : false;
    }, { timeoutMs: 30_000 });
    assert.equal(state.projections.graph.applied, true);
  }
  process.stdout.write(`  Neo4j started in ${startMs} ms; the graph caught up ${caughtUpMs} ms after\n`);

  await pipelineDrained(120_000);
  const names = await sourceNames(written);
  assert.deepEqual(await eventProblems(stores.timescale, written), [], 'TimescaleDB: each change exactly once');
  assert.deepEqual(await cacheProblems(stores.redis, names), [], 'Redis: every profile current');
  await reconcileClean(baseline);
  await systemHealthy();
});
