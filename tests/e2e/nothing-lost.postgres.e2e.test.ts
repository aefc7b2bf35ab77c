// Nothing is lost while PostgreSQL is down (issue 5, "Proof that nothing is
// lost"): PostgreSQL, the users' source of truth, is stopped through the
// gateway's /faults right after a burst of user writes. User writes answer 503
// quickly. Post and follow writes answer 503 quickly too: the gateway checks
// that the users they name exist at the source of truth, which is down (a
// cached profile may belong to a user deleted a moment ago). Nothing hangs:
// reads served by other stores (a post with its cached author, the follows,
// analytics) still answer, and /health says what is down. Once PostgreSQL is
// back, Debezium resumes from its replication slot: the burst and the writes
// made after the restart each reach TimescaleDB exactly once, and Neo4j and
// Redis; the slot's confirmed position passes the last write; zero drift.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { urls } from '@polyglot/contracts/endpoints';
import { waitFor } from '@polyglot/platform/wait-for';
import { api, pipelineDrained, runId } from './support.ts';
import {
  cacheProblems,
  connectorRunning,
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

const stores = outageScenario(['postgres', 'connect']);


/** The slot's confirmed position, as WAL bytes (comparable with a users token's position). */
async function slotConfirmed(): Promise<{ active: boolean; confirmed: bigint }> {
  const pool = new pg.Pool({ connectionString: urls.postgres, max: 1, connectionTimeoutMillis: 2000 });
  try {
    const { rows } = await pool.query<{ active: boolean; confirmed: string }>(`SELECT active, (confirmed_flush_lsn - '0/0')::text AS confirmed FROM pg_replication_slots WHERE slot_name = 'dbz_users'`);
    assert.equal(rows.length, 1, 'the dbz_users slot exists');
    return { active: rows[0]!.active, confirmed: BigInt(rows[0]!.confirmed) };
  } finally {
    await pool.end();
  }
}

test('PostgreSQL stopped: user, post and follow writes answer 503 quickly, other reads answer; once back the slot resumes and nothing is lost', { timeout: 300_000 }, async () => {
  const baseline = await driftBaseline();
  const written = emptyWritten();
  const [a, b] = [await createUserInto(written, 'pg-a'), await createUserInto(written, 'pg-b')];
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  const [A, B] = [a.body.id as number, b.body.id as number];
  assert.equal((await followInto(written, A, B)).status, 201);
  const post = await postInto(written, A, `by A, run ${runId}`);
  assert.equal(post.status, 201);
  const postId = post.body._id as string;
  await pipelineDrained();
  await waitFor('A’s profile cached', async () => (await cacheProblems(stores.redis, await sourceNames(written))).length === 0, { timeoutMs: 20_000 });

  // A burst just before the stop: some of it may still be on its way through the slot.
  const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => createUserInto(written, `pg-burst-${i}`)));
  assert.deepEqual(burst.map((r) => r.status), Array(10).fill(201));
  assert.equal((await renameInto(written, B, `PG B before the stop ${runId}`)).status, 200);

  const stopMs = await unitAction('postgres', 'stop');
  let startMs = 0;
  try {
    const quick = async (method: string, path: string, body: unknown, status: number) => {
      const response = await timed(method, path, body);
      assert.equal(response.status, status, `${method} ${path}: ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`);
      assert.ok(response.ms < QUICK_MS, `${method} ${path} answered in ${response.ms} ms`);
      return response;
    };
    const email = `pg-down-${runId}@e2e.test`;
    const createUser = await quick('POST', '/users', { email, name: 'never stored', password: 'correct horse battery' }, 503);
    assert.equal(createUser.body.code, 'STORE_UNAVAILABLE');
    assert.match(createUser.body.error, /PostgreSQL/);
    const update = await quick('PUT', `/users/${A}`, { email: written.users.get(A)!.email, name: 'never stored' }, 503);
    assert.equal(update.body.code, 'STORE_UNAVAILABLE');
    // A profile is served from the cache the pipeline keeps; a strong read asks PostgreSQL: the same quick 503.
    assert.equal((await quick('GET', `/users/${A}`, undefined, 200)).body.name, a.body.name);
    assert.equal((await quick('GET', `/users/${A}?consistency=strong`, undefined, 503)).body.code, 'STORE_UNAVAILABLE');
    // Posts and follows name users, checked at the users service: the same quick 503, naming PostgreSQL.
    const newPost = await quick('POST', '/posts', { author_id: A, title: 'never stored', body: '' }, 503);
    assert.match(newPost.body.error, /PostgreSQL/);
    await quick('POST', '/follow', { followerId: B, followeeId: A }, 503);
    // Reads served by the other stores still answer: the post with its cached author, the follows, analytics.
    const read = await quick('GET', `/posts/${postId}`, undefined, 200);
    assert.equal(read.body.user?.name, a.body.name);
    const relationships = await quick('GET', `/relationships?after=${A - 1}:${Number.MAX_SAFE_INTEGER}`, undefined, 200);
    assert.ok((relationships.body as Array<{ followerId: number; followeeId: number }>).some((r) => r.followerId === A && r.followeeId === B));
    await quick('GET', '/analytics', undefined, 200);
    const health = await quick('GET', '/health', undefined, 503);
    assert.equal(health.body.services.users.status, 'degraded');
    assert.match(health.body.services.users.checks.postgres, /^down/);
    process.stdout.write(`  PostgreSQL stopped in ${stopMs} ms; POST /users 503 in ${createUser.ms} ms, POST /posts 503 in ${newPost.ms} ms, GET /posts/:id 200 in ${read.ms} ms\n`);
  } finally {
    startMs = await unitAction('postgres', 'start');
  }

  // User writes are accepted again as soon as the users service's pool reconnects.
  const back = Date.now();
  await waitFor('a user write accepted again', async () => (await createUserInto(written, 'pg-after')).status === 201, { timeoutMs: 60_000 });
  const acceptedMs = Date.now() - back;
  const last = await renameInto(written, A, `PG A after the restart ${runId}`);
  assert.equal(last.status, 200);
  for (let i = 0; i < 4; i++) assert.equal((await createUserInto(written, `pg-after-${i}`)).status, 201);
  assert.equal((await followInto(written, A, [...written.users.keys()].at(-1)!)).status, 201);

  // Debezium resumes from its slot: the connector runs, and the slot confirms past the last write.
  await connectorRunning();
  const lastPosition = BigInt(String(last.body.consistency.token).split(':')[2]!);
  await waitFor('the slot confirmed past the last write', async () => {
    const slot = await slotConfirmed();
    return slot.active && slot.confirmed >= lastPosition;
  }, { timeoutMs: 60_000 });
  const resumedMs = Date.now() - back;
  await pipelineDrained(120_000);
  const names = await sourceNames(written);
  assert.deepEqual(await eventProblems(stores.timescale, written), [], 'TimescaleDB: each change exactly once');
  assert.deepEqual(await graphProblems(stores.neo4j, written, names), [], 'Neo4j: every change');
  assert.deepEqual(await cacheProblems(stores.redis, names), [], 'Redis: every profile current');
  process.stdout.write(`  PostgreSQL started in ${startMs} ms; user writes accepted ${acceptedMs} ms after, the slot confirmed past the last write ${resumedMs} ms after\n`);
  await reconcileClean(baseline);
  await systemHealthy();
  assert.equal((await api('GET', `/users/${A}?consistency=strong`)).body.name, `PG A after the restart ${runId}`);
});
