// Nothing is lost while Redis is down (issue 5, "Proof that nothing is lost"):
// Redis is stopped through the gateway's /faults. Reads fall back to the
// source stores and answer correctly and quickly, even for a change made
// during the outage (no stale cached name); sessions, which live only in
// Redis, answer 503 naming it. Once Redis is back the cache repopulates: the
// cache projection applies what it could not meanwhile, and cache-aside reads
// fill what is missing; the reconciler reports zero drift.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { userKey } from '../../packages/contracts/src/cache-keys.ts';
import { api, eventually, pipelineDrained, runId } from './support.ts';
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

const stores = outageScenario(['redis']);


test('Redis stopped: reads fall back to the sources and answer correctly, sessions answer 503; once back, the cache repopulates with zero drift', { timeout: 240_000 }, async () => {
  const baseline = await driftBaseline();
  const written = emptyWritten();
  const [a, b] = [await createUserInto(written, 'redis-a'), await createUserInto(written, 'redis-b')];
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  const [A, B] = [a.body.id as number, b.body.id as number];
  assert.equal((await followInto(written, A, B)).status, 201);
  const post = await postInto(written, B, `by B, run ${runId}`);
  assert.equal(post.status, 201);
  const postId = post.body._id as string;
  await pipelineDrained();
  await eventually('both profiles cached', async () => (await cacheProblems(stores.redis, await sourceNames(written))).length === 0);

  const renamed = `Redis B renamed ${runId}`;
  let C = 0;
  const stopMs = await unitAction('redis', 'stop');
  let startMs = 0;
  try {
    const slowest: number[] = [];
    const read = async (path: string) => {
      const response = await timed('GET', path);
      assert.equal(response.status, 200, `GET ${path}: ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`);
      slowest.push(response.ms);
      return response.body;
    };
    const checkReads = async (nameOfB: string) => {
      assert.equal((await read(`/users/${B}`)).name, nameOfB);
      assert.equal((await read(`/posts/${postId}`)).user?.name, nameOfB, 'the post’s author, from the users service');
      const page = (await read('/posts?limit=200')) as Array<{ _id: string; user: { name: string } | null }>;
      assert.equal(page.find((p) => p._id === postId)?.user?.name, nameOfB, 'the post in the list, with its author');
      const feed = (await read(`/users/${A}/feed`)) as Array<{ _id: string; user: { name: string } | null }>;
      assert.equal(feed.find((p) => p._id === postId)?.user?.name, nameOfB, 'the post in the follower’s feed');
      const relationships = (await read('/relationships')) as Array<{ followerId: number; followeeId: number }>;
      assert.ok(relationships.some((r) => r.followerId === A && r.followeeId === B), 'the follow');
      await read('/analytics');
    };
    await checkReads(b.body.name);

    // Writes go on (their sources are up); a read right after one shows it: there is no cache to be stale.
    const rename = await renameInto(written, B, renamed);
    assert.equal(rename.status, 200, JSON.stringify(rename.body));
    const created = await createUserInto(written, 'redis-c');
    assert.equal(created.status, 201, JSON.stringify(created.body));
    C = created.body.id;
    await checkReads(renamed);
    assert.ok(Math.max(...slowest) < QUICK_MS, `reads answered within ${QUICK_MS} ms (slowest ${Math.max(...slowest)} ms)`);

    const status = await timed('GET', '/cache-status');
    assert.equal(status.status, 200);
    assert.equal(status.body.connected, false);
    // Sessions live only in Redis: no fallback, a quick 503 naming it.
    const login = await timed('POST', '/auth/login', { email: written.users.get(A)!.email, password: 'correct horse battery' });
    assert.equal(login.status, 503, JSON.stringify(login.body));
    assert.equal(login.body.code, 'STORE_UNAVAILABLE');
    assert.match(login.body.error, /Redis/);
    assert.ok(login.ms < QUICK_MS, `login answered in ${login.ms} ms`);
    const health = await timed('GET', '/health');
    assert.equal(health.status, 503);
    assert.equal(health.body.stores.redis.status, 'down');
    process.stdout.write(`  Redis stopped in ${stopMs} ms; reads meanwhile: slowest ${Math.max(...slowest)} ms; login 503 in ${login.ms} ms\n`);
  } finally {
    startMs = await unitAction('redis', 'start');
  }

  const back = Date.now();
  await systemHealthy();
  // The cache projection applies what waited for Redis: B's new name, C's profile.
  await eventually('the cache projection applied the changes made while Redis was down', async () => (await cacheProblems(stores.redis, await sourceNames(written))).length === 0, 60_000).catch(
    async () => assert.deepEqual(await cacheProblems(stores.redis, await sourceNames(written)), []),
  );
  const repopulatedMs = Date.now() - back;
  assert.ok(C > 0);
  // Cache-aside: a profile missing from the cache is filled by the next read that needs it.
  await stores.redis.del(userKey(B));
  assert.equal((await api('GET', `/posts/${postId}`)).body.user.name, renamed);
  await eventually('the read filled the missing profile', async () => JSON.parse((await stores.redis.get(userKey(B))) ?? '{}').name === renamed, 5000);
  const cacheStatus = await api('GET', '/cache-status');
  assert.equal(cacheStatus.body.connected, true);
  process.stdout.write(`  Redis started in ${startMs} ms; the cache was current again ${repopulatedMs} ms after\n`);

  await pipelineDrained(120_000);
  const names = await sourceNames(written);
  assert.deepEqual(await eventProblems(stores.timescale, written), [], 'TimescaleDB: each change exactly once');
  assert.deepEqual(await graphProblems(stores.neo4j, written, names), [], 'Neo4j: every change');
  await reconcileClean(baseline);
});
