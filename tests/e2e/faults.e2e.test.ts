// Faults on purpose against the running system, through the gateway and
// ./stackctl fault: a paused projection's lag grows in /health while it
// applies nothing, then drains, every change arriving exactly once; in
// duplicate mode every projection applies everything twice and the stores end
// as they would have anyway; the graph service killed through the stack, its
// outbox relay with it, loses nothing.
// Every fault set here is undone in a finally, even when an assertion fails,
// and every user made here is deleted at the end (with their follows and posts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { userKey } from '@polyglot/contracts/cache-keys';
import { runCli } from '@polyglot/stack/test-fixtures/run-cli';
import { waitFor } from '@polyglot/platform/wait-for';
import { api, createUser, cypher, eventCount, openStores, pipelineDrained, type Stores } from './support.ts';

let stores: Stores;
const made: number[] = [];
before(() => {
  stores = openStores();
});
after(async () => {
  for (const id of made) assert.equal((await api('DELETE', `/users/${id}`)).status, 204);
  await stores.close();
});

async function user(label: string): Promise<{ id: number; name: string; email: string }> {
  const created = await createUser(label);
  made.push(created.id);
  return created;
}

async function projectionHealth(name: string): Promise<any> {
  const health = await api('GET', '/health');
  return health.body?.pipeline?.projections?.[name];
}

async function reset(...names: string[]): Promise<void> {
  for (const name of names) {
    await api('POST', `/faults/projections/${name}/resume`).catch(() => undefined);
    await api('PUT', `/faults/projections/${name}`, { delayMs: 0, duplicate: false }).catch(() => undefined);
  }
}

test('analytics paused: lag grows in /health and nothing is applied; resumed: it drains and each change arrives once', { timeout: 180_000 }, async () => {
  await pipelineDrained();
  try {
    const paused = await runCli(['fault', 'pause', 'analytics']);
    assert.equal(paused.code, 0, paused.stderr);
    assert.match(paused.stdout, /analytics \(analytics\): PAUSED since/);
    // /health is one shared report at most about a second old, so the pause shows up in the next one.
    await waitFor('the pause in /health', async () => (await projectionHealth('analytics'))?.faults?.paused === true, { timeoutMs: 5000 });

    // Changes of three kinds, from two sources, each captured by Debezium from its store's log (users, posts).
    const a = await user('fault-a');
    const b = await user('fault-b');
    const lagAfterFirst = await waitFor('the users to be waiting for analytics', async () => {
      const lag = (await projectionHealth('analytics'))?.lag;
      return typeof lag === 'number' && lag >= 2 ? lag : false;
    }, { timeoutMs: 20_000 });
    assert.equal((await api('PUT', `/users/${a.id}`, { email: a.email, name: 'Fault A renamed' })).status, 200);
    const post = await api('POST', '/posts', { author_id: b.id, title: 'written while analytics is paused', body: '' });
    assert.equal(post.status, 201);
    const postId: string = post.body._id;

    // The other projections go on: the graph has the post while analytics waits.
    await waitFor('the post in Neo4j', async () => (await cypher(stores.neo4j, 'MATCH (:User {id: $u})-[:POSTED]->(:Post {id: $p}) RETURN 1 AS x', { u: b.id, p: postId })).length === 1, { timeoutMs: 20_000 });
    // Two creates, a rename and a post: four changes held back (more if anything else was written meanwhile).
    const lagWhilePaused = await waitFor('all four changes waiting for analytics', async () => {
      const lag = (await projectionHealth('analytics'))?.lag;
      return typeof lag === 'number' && lag >= lagAfterFirst + 2 && lag >= 4 ? lag : false;
    }, { timeoutMs: 60_000 });
    const overview = await runCli(['fault', 'status']);
    assert.equal(overview.code, 0, overview.stderr);
    assert.match(overview.stdout, /analytics \(analytics\): PAUSED since .*; lag \d+/);
    for (const [type, id] of [['USER_CREATED', a.id], ['USER_CREATED', b.id], ['USER_UPDATED', a.id], ['POST_CREATED', postId]] as const) {
      assert.equal(await eventCount(stores.timescale, type, id), 0, `no ${type} row for ${id} while paused`);
    }

    const resumedAt = Date.now();
    const resumed = await api('POST', '/faults/projections/analytics/resume');
    assert.equal(resumed.status, 200);
    assert.equal(resumed.body.faults.paused, false);
    await waitFor('the backlog drained', async () => (await projectionHealth('analytics'))?.lag === 0, { timeoutMs: 60_000 });
    process.stdout.write(`  analytics: lag ${lagAfterFirst} after the first writes, ${lagWhilePaused} while paused; drained ${Date.now() - resumedAt} ms after resume\n`);
    for (const [type, id] of [['USER_CREATED', a.id], ['USER_CREATED', b.id], ['USER_UPDATED', a.id], ['POST_CREATED', postId]] as const) {
      await waitFor(`one ${type} row for ${id}`, async () => (await eventCount(stores.timescale, type, id)) === 1, { timeoutMs: 20_000 });
    }
    // Nothing arrives twice later either: a redelivery would come before a later change of
    // the same user (one key, one partition), so once that later change is in, none is coming.
    assert.equal((await api('PUT', `/users/${a.id}`, { email: a.email, name: 'Fault A, later' })).status, 200);
    await waitFor('the later change recorded', async () => (await eventCount(stores.timescale, 'USER_UPDATED', a.id)) === 2, { timeoutMs: 20_000 });
    assert.equal(await eventCount(stores.timescale, 'USER_CREATED', a.id), 1);

    const recent = (await api('GET', '/faults')).body.recent as any[];
    const mine = recent.filter((r) => r.target === 'projection:analytics').slice(0, 2);
    assert.deepEqual(mine.map((r) => [r.action, r.outcome]), [['resume', 'ok'], ['pause', 'ok']]);
    assert.equal(mine[1].by.address, '127.0.0.1');
  } finally {
    await reset('analytics');
  }
});

test('duplicate mode: every projection applies each change twice, and every store ends as it would have anyway', { timeout: 180_000 }, async () => {
  const names = ['graph', 'analytics', 'cache'];
  await pipelineDrained();
  try {
    const before = Object.fromEntries((await api('GET', '/faults')).body.projections.map((p: any) => [p.name, p.faults.duplicated]));
    for (const name of names) {
      const r = await runCli(['fault', 'duplicate', name, 'on']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /DUPLICATE/);
    }
    const a = await user('dup-a');
    const b = await user('dup-b');
    const renamed = 'Dup A renamed';
    assert.equal((await api('PUT', `/users/${a.id}`, { email: a.email, name: renamed })).status, 200);
    assert.equal((await api('POST', '/follow', { followerId: a.id, followeeId: b.id })).status, 201);
    const post = await api('POST', '/posts', { author_id: b.id, title: 'applied twice', body: '' });
    assert.equal(post.status, 201);
    const postId: string = post.body._id;

    await waitFor('the FOLLOW_CREATED and POST_CREATED rows', async () => (await eventCount(stores.timescale, 'FOLLOW_CREATED', a.id)) >= 1 && (await eventCount(stores.timescale, 'POST_CREATED', postId)) >= 1, { timeoutMs: 30_000 });
    await pipelineDrained();
    for (const [type, id] of [['USER_CREATED', a.id], ['USER_CREATED', b.id], ['USER_UPDATED', a.id], ['FOLLOW_CREATED', a.id], ['POST_CREATED', postId]] as const) {
      assert.equal(await eventCount(stores.timescale, type, id), 1, `exactly one ${type} row for ${id}`);
    }
    const users = await cypher<{ id: number; name: string }>(stores.neo4j, 'MATCH (u:User) WHERE u.id IN $ids RETURN u.id AS id, u.name AS name ORDER BY id', { ids: [a.id, b.id] });
    assert.deepEqual(users, [{ id: a.id, name: renamed }, { id: b.id, name: b.name }].sort((x, y) => x.id - y.id));
    assert.equal((await cypher(stores.neo4j, 'MATCH (:User {id: $a})-[f:FOLLOWS]->(:User {id: $b}) RETURN f', { a: a.id, b: b.id })).length, 1);
    assert.equal((await cypher(stores.neo4j, 'MATCH (:User {id: $b})-[p:POSTED]->(:Post {id: $p}) RETURN p', { b: b.id, p: postId })).length, 1);
    const cached = await stores.redis.get(userKey(a.id));
    assert.equal(cached === null ? null : JSON.parse(cached).name, renamed);

    const after = Object.fromEntries((await api('GET', '/faults')).body.projections.map((p: any) => [p.name, p.faults.duplicated]));
    for (const name of names) assert.ok(after[name] - before[name] >= 2, `${name} applied changes twice (${before[name]} → ${after[name]})`);
    process.stdout.write(`  applied twice: ${names.map((n) => `${n} ${after[n] - before[n]}`).join(', ')}; analytics gained no extra row\n`);
  } finally {
    await reset(...names);
  }
});

test('the graph service SIGKILLed mid-burst through the gateway, its outbox relay with it: follows are refused while it is down, and after a start every change it accepted reaches analytics once, in order', { timeout: 240_000 }, async () => {
  const a = await user('relay-a');
  const b = await user('relay-b');
  // Follow and unfollow in turn until the kill cuts the burst off: what the relay had not published
  // then waits in the outbox for the next start.
  let accepted = 0;
  /** Whether the edge exists after the last change the service accepted. */
  let following = false;
  const burst = (async () => {
    for (;;) {
      const r = await api(following ? 'DELETE' : 'POST', '/follow', { followerId: a.id, followeeId: b.id }).catch((error: unknown) => ({ status: String(error) }));
      if (r.status !== 201 && r.status !== 204) return r.status;
      accepted++;
      following = !following;
    }
  })();
  try {
    await waitFor('the burst under way', () => accepted >= 5, { timeoutMs: 20_000 });
    const killed = await api('POST', '/faults/units/graph/kill');
    assert.equal(killed.status, 200, JSON.stringify(killed.body));
    assert.equal(killed.body.unit, 'graph');
    const cutOff = await burst;
    await waitFor('/health shows the graph service down, and no relay backlog', async () => {
      const health = (await api('GET', '/health')).body;
      return health?.services?.graph?.status === 'down' && health.pipeline.relays['graph-relay'] === null;
    }, { timeoutMs: 10_000 });
    const refused = await api('POST', '/follow', { followerId: b.id, followeeId: a.id });
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.equal(refused.body.code, 'STORE_UNAVAILABLE');

    const started = await api('POST', '/faults/units/graph/start');
    assert.equal(started.status, 200, JSON.stringify(started.body));
    process.stdout.write(`  graph: ${accepted} changes accepted before the kill (then ${cutOff}); killed in ${killed.body.durationMs} ms, started again in ${started.body.durationMs} ms\n`);
    // The change the kill cut off was committed or not: the edge in Neo4j says which.
    const edge = (await cypher(stores.neo4j, 'MATCH (:User {id: $a})-[f:FOLLOWS]->(:User {id: $b}) RETURN f', { a: a.id, b: b.id })).length === 1;
    const committed = accepted + (edge === following ? 0 : 1);
    const rows = async () => (await stores.timescale.query<{ event_type: string; position: string }>(
      "SELECT event_type, position FROM events WHERE event_type IN ('FOLLOW_CREATED', 'FOLLOW_DELETED') AND entity_id = $1 ORDER BY position",
      [String(a.id)],
    )).rows;
    await waitFor(`the ${committed} committed changes in analytics`, async () => (await rows()).length >= committed, { timeoutMs: 30_000 });
    await waitFor('the outbox emptied by the restarted relay', async () => (await cypher(stores.neo4j, 'MATCH (o:Outbox {aggregateId: $a}) RETURN o', { a: String(a.id) })).length === 0, { timeoutMs: 30_000 });
    const recorded = await rows();
    assert.equal(recorded.length, committed, 'each committed change once: nothing lost, nothing twice');
    assert.deepEqual(recorded.map((r) => r.event_type), Array.from({ length: committed }, (_, i) => (i % 2 === 0 ? 'FOLLOW_CREATED' : 'FOLLOW_DELETED')), 'follow, unfollow, … in the order they were made');
    assert.equal(new Set(recorded.map((r) => r.position)).size, committed, 'each at a position of its own');
    const recent = (await api('GET', '/faults')).body.recent as any[];
    assert.deepEqual(recent.filter((r) => r.target === 'unit:graph').slice(0, 2).map((r) => [r.action, r.outcome]), [['start', 'ok'], ['kill', 'ok']]);
  } finally {
    await burst.catch(() => undefined);
    // Whatever happened above, the graph service runs again.
    const status = await runCli(['status', '--json']);
    const graph = JSON.parse(status.stdout).engines.find((e: any) => e.engine === 'graph');
    if (graph?.state !== 'healthy') assert.equal((await runCli(['start', 'graph'])).code, 0);
  }
});
