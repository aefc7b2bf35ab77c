// The reconciler on the running system: what the gateway made reaches every
// store with no drift; drift made on purpose, directly in each store through
// its own driver, is reported with its id; POST /reconcile/repair fixes it
// from the source of truth, and repeating the repair adds nothing. Other
// tests may run on the same stack meanwhile, so the assertions are about this
// file's own ids. A repair fixes the whole system, so this file first checks
// that the tests before it left no drift (the repair would hide it from the
// last test of the run, zz-no-drift-left).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { authorListingKey, userKey } from '@polyglot/contracts/cache-keys';
import { urls } from '@polyglot/contracts/endpoints';
import type { Drift, ReconcileReport, RepairReport } from '@polyglot/contracts/reconcile';
import { runCli } from '@polyglot/stack/test-fixtures/run-cli';
import { waitFor } from '@polyglot/platform/wait-for';
import { api, createUser, cypher, describeDrift, eventCount, gateway, openStores, settledDrift, type Stores } from './support.ts';

let stores: Stores;
/** The state Redis, where the post listings are. */
let state: Redis;

/** The reconciler compares twice and waits for the pipeline between: longer than api()'s 15 s limit. */
async function call<T>(method: 'GET' | 'POST', path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${gateway}${path}`, { method, signal: AbortSignal.timeout(180_000) });
  return { status: response.status, body: (await response.json()) as T };
}

const reconcile = async (): Promise<ReconcileReport> => {
  const response = await call<ReconcileReport>('GET', '/reconcile');
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
};

const repair = async (): Promise<RepairReport> => {
  const response = await call<RepairReport>('POST', '/reconcile/repair');
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
};

// This file's entities: A loses its :User node, B gets a stale cached profile, C loses its
// USER_CREATED row, D's post loses its POSTED edge, E→F loses its FOLLOW_CREATED row, and the id
// of no post is put in D's listing only (not in the listing of all posts).
type Made = { id: number; name: string; email: string };
let A: Made, B: Made, C: Made, D: Made, E: Made, F: Made;
let postOfA: string, postOfD: string;
const ghost = randomBytes(12).toString('hex');
const ours = new Set<string>();
const concerning = (drift: readonly Drift[]) => drift.filter((d) => ours.has(d.id));
const has = (drift: readonly Drift[], store: Drift['store'], entity: Drift['entity'], id: string | number, kind: Drift['kind']) =>
  drift.some((d) => d.store === store && d.entity === entity && d.id === String(id) && d.kind === kind);

before(async () => {
  stores = openStores();
  state = new Redis(urls.redisState, { maxRetriesPerRequest: 1 });
  [A, B, C, D, E, F] = (await Promise.all(['recon-a', 'recon-b', 'recon-c', 'recon-d', 'recon-e', 'recon-f'].map((label) => createUser(label)))) as [Made, Made, Made, Made, Made, Made];
  const post = async (author: Made) => {
    const response = await api('POST', '/posts', { author_id: author.id, title: `by ${author.name}`, body: 'reconcile me', tags: [], meta: {} });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return response.body._id as string;
  };
  [postOfA, postOfD] = (await Promise.all([post(A), post(D)])) as [string, string];
  assert.equal((await api('POST', '/follow', { followerId: E.id, followeeId: F.id })).status, 201);
  assert.equal((await api('POST', '/follow', { followerId: C.id, followeeId: B.id })).status, 201);
  for (const u of [A, B, C, D, E, F]) ours.add(String(u.id));
  for (const id of [postOfA, postOfD, `${E.id}->${F.id}`, `${C.id}->${B.id}`, ghost]) ours.add(id);
});

after(async () => {
  for (const u of [A, B, C, D, E, F]) if (u) await api('DELETE', `/users/${u.id}`).catch(() => undefined);
  if (D) await state.zrem(authorListingKey(D.id), ghost);
  await stores.close();
  state.disconnect();
});

describe('the reconciler on the running system', () => {
  test('before any repair: the tests that ran before this file left no drift', async () => {
    const report = await settledDrift();
    const others = report.drift.filter((d) => !ours.has(d.id));
    assert.equal(others.length, 0, `drift left by earlier tests (a repair below would hide it):\n${describeDrift(others)}`);
  });

  test('what the gateway made reaches every store: no drift for it once the pipeline has carried it', async () => {
    const report = await waitFor('no drift about this file’s users, posts and follows', async () => {
      const r = await reconcile();
      return concerning(r.drift).length === 0 ? r : false;
    }, { timeoutMs: 90_000 });
    assert.ok(report.counts.users.postgres >= 6);
    assert.ok(report.durationMs >= 0 && [1, 2].includes(report.passes));
    assert.equal(report.total, report.drift.length);
  });

  test('drift made directly in each store is reported with its id', async () => {
    await cypher(stores.neo4j, 'MATCH (u:User {id: $id}) DETACH DELETE u', { id: A.id });
    await cypher(stores.neo4j, 'MATCH (:User {id: $id})-[r:POSTED]->(:Post {id: $post}) DELETE r', { id: D.id, post: postOfD });
    const cached = JSON.parse((await stores.redis.get(userKey(B.id))) ?? JSON.stringify({ id: B.id, email: B.email, created_at: '', updated_at: '', position: 0 }));
    await stores.redis.set(userKey(B.id), JSON.stringify({ ...cached, name: 'Stale Name' }));
    await stores.timescale.query(`DELETE FROM events WHERE event_type = 'USER_CREATED' AND entity_id = $1`, [String(C.id)]);
    await stores.timescale.query(`DELETE FROM events WHERE event_type = 'FOLLOW_CREATED' AND entity_id = $1 AND properties->>'followeeId' = $2`, [String(E.id), String(F.id)]);
    await state.zadd(authorListingKey(D.id), 0, ghost);

    const report = await reconcile();
    const drift = concerning(report.drift);
    assert.ok(has(drift, 'neo4j', 'user', A.id, 'missing'), 'the :User node deleted');
    assert.ok(has(drift, 'neo4j', 'post', postOfA, 'missing'), 'its POSTED edge went with it');
    assert.ok(has(drift, 'neo4j', 'post', postOfD, 'missing'), 'the POSTED edge deleted');
    assert.ok(has(drift, 'redis', 'user', B.id, 'stale'), 'the stale cached profile');
    assert.ok(has(drift, 'timescaledb', 'user', C.id, 'missing'), 'the USER_CREATED row deleted');
    assert.ok(has(drift, 'timescaledb', 'follow', `${E.id}->${F.id}`, 'missing'), 'the FOLLOW_CREATED row deleted');
    const stale = drift.find((d) => d.store === 'redis' && d.id === String(B.id));
    assert.match(stale?.actual ?? '', /Stale Name/);
    assert.match(stale?.expected ?? '', new RegExp(B.name));
    // Only D's listing holds it: found by reading the authors' listings through, with D named.
    assert.ok(has(drift, 'redis', 'post', ghost, 'extra'), "the id planted in D's listing");
    assert.equal(drift.find((d) => d.id === ghost)?.actual, `listed by author ${D.id} (no such live post)`);
    assert.ok(report.counts.posts.redisAuthorListings >= 3, `A's post, D's and the planted id: ${JSON.stringify(report.counts.posts)}`);
    assert.equal(drift.length, 7, JSON.stringify(drift, null, 1));
  });

  test('POST /reconcile/repair fixes it from the sources of truth; a fresh report has no drift for those ids; repeating adds nothing', async () => {
    const result = await repair();
    for (const [store, entity, id] of [
      ['neo4j', 'user', A.id],
      ['neo4j', 'post', postOfA],
      ['neo4j', 'post', postOfD],
      ['redis', 'user', B.id],
      ['timescaledb', 'user', C.id],
      ['timescaledb', 'follow', `${E.id}->${F.id}`],
      ['redis', 'post', ghost],
    ] as const) {
      assert.ok(result.repaired.some((d) => d.store === store && d.entity === entity && d.id === String(id)), `${store} ${entity} ${id} repaired`);
    }
    assert.deepEqual(concerning(result.report.drift), [], 'the fresh report after the repair');

    // Each store says so itself.
    const node = await cypher<{ name: string; posts: string[] }>(stores.neo4j, 'MATCH (u:User {id: $id}) OPTIONAL MATCH (u)-[:POSTED]->(p:Post) RETURN u.name AS name, collect(p.id) AS posts', { id: A.id });
    assert.deepEqual(node, [{ name: A.name, posts: [postOfA] }]);
    assert.equal((await cypher(stores.neo4j, 'MATCH (:User {id: $id})-[:POSTED]->(:Post {id: $post}) RETURN 1 AS ok', { id: D.id, post: postOfD })).length, 1);
    assert.equal(JSON.parse((await stores.redis.get(userKey(B.id)))!).name, B.name);
    assert.deepEqual(await state.zmscore(authorListingKey(D.id), ghost, postOfD), [null, '0'], "the id is off D's listing, D's post still on it");
    const created = await stores.timescale.query<{ properties: { reconciled?: boolean; name?: string } }>(`SELECT properties FROM events WHERE event_type = 'USER_CREATED' AND entity_id = $1`, [String(C.id)]);
    assert.equal(created.rows.length, 1);
    assert.equal(created.rows[0]!.properties.reconciled, true);
    assert.equal(created.rows[0]!.properties.name, C.name);

    const rowsBefore = await stores.timescale.query<{ n: string }>('SELECT count(*) AS n FROM events WHERE entity_id = ANY($1)', [[...ours]]);
    const again = await repair();
    assert.deepEqual(concerning(again.repaired), [], 'nothing of ours left to repair');
    const rowsAfter = await stores.timescale.query<{ n: string }>('SELECT count(*) AS n FROM events WHERE entity_id = ANY($1)', [[...ours]]);
    assert.equal(rowsAfter.rows[0]!.n, rowsBefore.rows[0]!.n, 'a repeated repair appends no row');
    assert.equal(await eventCount(stores.timescale, 'USER_CREATED', C.id), 1);
  });

  test('./stackctl reconcile prints the report and exits 0 without drift, 1 with; 3 with a clear message when the gateway is down', async () => {
    const json = await runCli(['reconcile', '--json']);
    const report = JSON.parse(json.stdout) as ReconcileReport;
    assert.equal(json.code, report.total === 0 ? 0 : 1, json.stderr);
    assert.deepEqual(concerning(report.drift), []);

    const table = await runCli(['reconcile']);
    assert.ok([0, 1].includes(table.code ?? -1), table.stderr);
    assert.match(table.stdout, /users: +\d+ in PostgreSQL/);
    assert.match(table.stdout, table.code === 0 ? /No drift/ : /STORE +ENTITY +ID +KIND/);

    const down = await runCli(['reconcile'], { env: { GATEWAY_URL: 'http://127.0.0.1:9' } });
    assert.equal(down.code, 3);
    assert.match(down.stderr, /the gateway at http:\/\/127\.0\.0\.1:9 does not answer.*\[GATEWAY_UNAVAILABLE\]/);
  });

  test('after a repair the whole system reports zero drift (retried: other tests may be writing)', async () => {
    let last: RepairReport | undefined;
    for (let attempt = 0; attempt < 4; attempt++) {
      last = await repair();
      if (last.report.total === 0) break;
    }
    assert.equal(last?.report.total, 0, `drift left: ${JSON.stringify(last?.report.drift.slice(0, 10), null, 1)}`);
  });
});
