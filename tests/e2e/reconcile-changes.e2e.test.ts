// The reconciler's incremental check (scope=changes) on the running system: it
// compares only the entities changed since it last looked (the change journal
// the cache projection keeps, by source position), each store asked about those
// ids only. Drift made directly in the stores on entities that just changed is
// found and repaired; drift on an entity that did not change since the last look
// is left to the full check, which still finds it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { userKey } from '@polyglot/contracts/cache-keys';
import type { Drift, ReconcileReport, RepairReport } from '@polyglot/contracts/reconcile';
import { api, createUser, cypher, gateway, openStores, pipelineDrained, type Stores } from './support.ts';

let stores: Stores;
type Made = { id: number; name: string; email: string };
let G: Made, H: Made;
let postOfG: string;
const ours = new Set<string>();
const concerning = (drift: readonly Drift[]) => drift.filter((d) => ours.has(d.id));
const has = (drift: readonly Drift[], store: Drift['store'], entity: Drift['entity'], id: string | number, kind: Drift['kind']) =>
  drift.some((d) => d.store === store && d.entity === entity && d.id === String(id) && d.kind === kind);

/** The reconciler compares twice and waits for the pipeline between: longer than api()'s 15 s limit. */
async function call<T>(method: 'GET' | 'POST', path: string): Promise<T> {
  const response = await fetch(`${gateway}${path}`, { method, signal: AbortSignal.timeout(180_000) });
  const body = (await response.json()) as T;
  assert.equal(response.status, 200, JSON.stringify(body));
  return body;
}

before(async () => {
  stores = openStores();
  // What changed before this file: looked at until the journal is empty, so the next look is about this file's changes.
  await pipelineDrained(120_000);
  // A look takes a batch; after a seed the journal holds many, so look while each look shortens it.
  for (let left = Number.POSITIVE_INFINITY; ; ) {
    const report = await call<ReconcileReport>('GET', '/reconcile?scope=changes');
    assert.equal(report.scope, 'changes');
    const remaining = report.changes!.remaining;
    if (remaining === 0) break;
    assert.ok(remaining < left, `the journal empties: ${remaining} changes left after a look, ${left} before it`);
    left = remaining;
  }
});

after(async () => {
  for (const u of [G, H]) if (u) await api('DELETE', `/users/${u.id}`).catch(() => undefined);
  await stores.close();
});

test('scope=changes finds and repairs drift on what changed since its last look, asking each store about those entities only', async () => {
  [G, H] = (await Promise.all([createUser('changes-g'), createUser('changes-h')])) as [Made, Made];
  const post = await api('POST', '/posts?consistency=strong', { author_id: G.id, title: 'journaled', body: 'b', tags: [], meta: {} });
  assert.equal(post.status, 201, JSON.stringify(post.body));
  postOfG = post.body._id;
  assert.equal((await api('POST', '/follow?consistency=strong', { followerId: G.id, followeeId: H.id })).status, 201);
  for (const id of [G.id, H.id, postOfG, `${G.id}->${H.id}`]) ours.add(String(id));
  await pipelineDrained(120_000);

  await cypher(stores.neo4j, 'MATCH (u:User {id: $id}) SET u.name = $name', { id: G.id, name: 'Tampered' });
  await cypher(stores.neo4j, 'MATCH (:User {id: $id})-[r:POSTED]->(:Post {id: $post}) DELETE r', { id: G.id, post: postOfG });
  await stores.timescale.query(`DELETE FROM events WHERE event_type = 'FOLLOW_CREATED' AND entity_id = $1 AND properties->>'followeeId' = $2`, [String(G.id), String(H.id)]);
  const cached = JSON.parse((await stores.redis.get(userKey(H.id)))!);
  await stores.redis.set(userKey(H.id), JSON.stringify({ ...cached, name: 'Stale Name' }));

  const repaired = await call<RepairReport>('POST', '/reconcile/repair?scope=changes');
  const found = concerning(repaired.repaired);
  assert.ok(has(found, 'neo4j', 'user', G.id, 'stale'), JSON.stringify(found));
  assert.ok(has(found, 'neo4j', 'post', postOfG, 'missing'), JSON.stringify(found));
  assert.ok(has(found, 'timescaledb', 'follow', `${G.id}->${H.id}`, 'missing'), JSON.stringify(found));
  assert.ok(has(found, 'redis', 'user', H.id, 'stale'), JSON.stringify(found));
  assert.equal(found.length, 4, JSON.stringify(found, null, 1));
  assert.equal(repaired.report.scope, 'changes');
  assert.deepEqual(concerning(repaired.report.drift), [], 'the same entities compared again after the repair');
  const changes = repaired.report.changes!;
  assert.ok(changes.users >= 2 && changes.posts >= 1 && changes.follows >= 1, JSON.stringify(changes));
  process.stdout.write(`  incremental check: ${changes.users} users, ${changes.posts} posts, ${changes.follows} follows in ${repaired.report.durationMs} ms (${repaired.report.passes} passes)\n`);
  const node = await cypher<{ name: string; posts: string[] }>(stores.neo4j, 'MATCH (u:User {id: $id}) OPTIONAL MATCH (u)-[:POSTED]->(p:Post) RETURN u.name AS name, collect(p.id) AS posts', { id: G.id });
  assert.deepEqual(node, [{ name: G.name, posts: [postOfG] }]);
});

test('drift on an entity that did not change since the last look is the full check’s: scope=changes leaves it, the full check finds it', async () => {
  await pipelineDrained(120_000);
  // The repair's own changes, looked at first.
  await call<ReconcileReport>('GET', '/reconcile?scope=changes');
  await cypher(stores.neo4j, 'MATCH (u:User {id: $id}) SET u.name = $name', { id: H.id, name: 'Tampered quietly' });
  const incremental = await call<ReconcileReport>('GET', '/reconcile?scope=changes');
  assert.deepEqual(concerning(incremental.drift), [], 'nothing of ours changed since the last look');
  const full = await call<ReconcileReport>('GET', '/reconcile');
  assert.equal(full.scope, 'full');
  assert.equal(full.changes, null);
  assert.ok(has(full.drift, 'neo4j', 'user', H.id, 'stale'), JSON.stringify(concerning(full.drift)));
  const repaired = await call<RepairReport>('POST', '/reconcile/repair');
  assert.deepEqual(concerning(repaired.report.drift), []);
});

test('a full check covers the changes journaled before it began: the next incremental look has none of them', async () => {
  await pipelineDrained(120_000);
  const renamed = `Renamed before the full check ${Date.now()}`;
  assert.equal((await api('PUT', `/users/${G.id}?consistency=strong`, { email: G.email, name: renamed })).status, 200);
  G = { ...G, name: renamed };
  await pipelineDrained(120_000);
  await call<ReconcileReport>('GET', '/reconcile');
  const next = await call<ReconcileReport>('GET', '/reconcile?scope=changes');
  assert.deepEqual({ users: next.changes!.users, posts: next.changes!.posts, follows: next.changes!.follows }, { users: 0, posts: 0, follows: 0 }, JSON.stringify(next.changes));
});

test('a scope that is neither full nor changes is 400 VALIDATION_FAILED', async () => {
  const response = await api('GET', '/reconcile?scope=everything');
  assert.equal(response.status, 400);
  assert.equal(response.body.code, 'VALIDATION_FAILED');
});
