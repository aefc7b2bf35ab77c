// Replay: forget the projections' positions and project the whole log again.
// Every store must end identical, and analytics must gain no row.
//
// The test replays twice and compares the stores around the second replay.
// The first one brings the stores back to exactly what the log says: component
// tests publish messages to the shared topics and then clean their rows and
// nodes out of the stores directly, which the log does not know about.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { consumerGroups } from '@polyglot/contracts/topics';
import { kafkaBrokers } from '@polyglot/platform/kafka';
import { runCli } from '@polyglot/stack/test-fixtures/run-cli';
import { waitFor } from '@polyglot/platform/wait-for';
import { api, createUser, cypher, openStores, pipelineDrained, type Stores } from './support.ts';

let stores: Stores;
before(() => {
  stores = openStores();
});
after(() => stores.close());

interface Snapshot {
  events: { total: number; digest: string; byType: Record<string, number> };
  users: unknown[];
  follows: unknown[];
  posted: unknown[];
  cachedProfiles: Record<string, string>;
}

async function snapshot(): Promise<Snapshot> {
  const total = await stores.timescale.query<{ n: string; digest: string | null }>("SELECT count(*) AS n, md5(string_agg(coalesce(event_id, ''), ',' ORDER BY event_id, time)) AS digest FROM events");
  const byType = await stores.timescale.query<{ event_type: string; n: string }>('SELECT event_type, count(*) AS n FROM events GROUP BY event_type');
  const profiles: Record<string, string> = {};
  for (const key of await stores.redis.keys('user:*')) {
    if (key.endsWith(':deleted')) continue;
    const value = await stores.redis.get(key);
    // Only what the projection wrote (cache-aside fills by the gateway carry position 0 and expire).
    if (value && (JSON.parse(value) as { position?: number }).position) profiles[key] = value;
  }
  return {
    events: { total: Number(total.rows[0]?.n), digest: total.rows[0]?.digest ?? '', byType: Object.fromEntries(byType.rows.map((r) => [r.event_type, Number(r.n)])) },
    users: await cypher(stores.neo4j, 'MATCH (u:User) RETURN u.id AS id, u.name AS name ORDER BY id'),
    follows: await cypher(stores.neo4j, 'MATCH (a:User)-[:FOLLOWS]->(b:User) RETURN a.id AS a, b.id AS b ORDER BY a, b'),
    posted: await cypher(stores.neo4j, 'MATCH (u:User)-[:POSTED]->(p:Post) RETURN u.id AS u, p.id AS p ORDER BY u, p'),
    cachedProfiles: profiles,
  };
}

async function replayEverything(): Promise<void> {
  const services = ['graph', 'analytics', 'projectors'];
  const projections = ['graph', 'analytics', 'cache'];
  assert.equal((await runCli(['stop', ...services])).code, 0);
  const admin = new Admin({ clientId: 'e2e-replay', bootstrapBrokers: kafkaBrokers() });
  try {
    await admin.deleteGroups({ groups: [consumerGroups.graphProjector, consumerGroups.analyticsProjector, consumerGroups.cacheProjector] });
  } finally {
    await admin.close();
  }
  const started = await runCli(['start', ...services]);
  assert.equal(started.code, 0, started.stderr);
  // Each projection starts again from the earliest offset; wait until it has read everything. The log
  // holds all the stack ever carried (a seeded million posts too), so the wait lasts as long as the
  // projections move on, and fails once they have not for a minute.
  let applied = -1;
  for (;;) {
    const seen = await waitFor('the projections to replay further (more messages processed, or every lag at 0)', async () => {
        const health = await api('GET', '/health');
        const p = health.body?.pipeline?.projections ?? {};
        if (projections.every((name) => p[name]?.running && p[name]?.lag === 0 && p[name]?.processed > 0)) return { done: true, processed: 0 };
        const processed = projections.reduce((sum, name) => sum + (Number(p[name]?.processed) || 0), 0);
        return processed > applied ? { done: false, processed } : false;
      }, { timeoutMs: 60_000, intervalMs: 500 });
    if (seen.done) return;
    applied = seen.processed;
  }
}

// No overall limit: the replay's waits fail when it stops moving, and its length follows the log's.
test('resetting the projections\' offsets and replaying everything leaves every store identical', { timeout: 4 * 3_600_000 }, async () => {
  // Something to replay, including a user who follows and is then renamed.
  const a = await createUser('replay-a');
  const b = await createUser('replay-b');
  assert.equal((await api('POST', '/follow', { followerId: a.id, followeeId: b.id })).status, 201);
  assert.equal((await api('POST', '/posts', { author_id: b.id, title: 'replayed', body: '' })).status, 201);
  assert.equal((await api('PUT', `/users/${a.id}`, { email: a.email, name: 'Replay A renamed' })).status, 200);
  await pipelineDrained();

  await replayEverything();
  await pipelineDrained();
  const converged = await snapshot();
  await replayEverything();
  await pipelineDrained();
  const after = await snapshot();
  const before = converged;
  assert.ok(before.events.total > 0);
  assert.equal(after.events.total, before.events.total, 'analytics gained or lost rows');
  assert.deepEqual(after.events, before.events);
  assert.deepEqual(after.users, before.users);
  assert.deepEqual(after.follows, before.follows);
  assert.deepEqual(after.posted, before.posted);
  assert.deepEqual(after.cachedProfiles, before.cachedProfiles);

  for (const u of [a, b]) assert.equal((await api('DELETE', `/users/${u.id}`)).status, 204);
});
