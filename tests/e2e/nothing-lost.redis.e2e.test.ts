// Nothing is lost while the cache Redis is down (issue 5, "Proof that nothing
// is lost"): it is stopped through the gateway's /faults. Reads fall back to
// the source stores and answer correctly and quickly, even for a change made
// during the outage (no stale cached name); sessions, which live in the state
// Redis (issue 12), still sign in. Once the cache is back it repopulates: the
// cache projection applies what it could not meanwhile, and cache-aside reads
// fill what is missing; the reconciler reports zero drift.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { userKey } from '@polyglot/contracts/cache-keys';
import { waitFor } from '@polyglot/platform/wait-for';
import { api, gateway, pipelineDrained, runId } from './support.ts';
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


test('the cache Redis stopped: reads fall back to the sources and answer correctly, sessions still work; once back, the cache repopulates with zero drift', { timeout: 240_000 }, async () => {
  const baseline = await driftBaseline();
  const outageBegan = new Date();
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
  await waitFor('both profiles cached', async () => (await cacheProblems(stores.redis, await sourceNames(written))).length === 0, { timeoutMs: 20_000 });

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
      const relationships = (await read(`/relationships?after=${A - 1}:${Number.MAX_SAFE_INTEGER}`)) as Array<{ followerId: number; followeeId: number }>;
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
    // Sessions are state, in the state Redis: signing in does not need the cache.
    const login = await waitFor(
      'a login the shared per-address login limit lets through',
      async () => {
        const answer = await timed('POST', '/auth/login', { email: written.users.get(A)!.email, password: 'correct horse battery' });
        return answer.status === 429 ? null : answer;
      },
      { timeoutMs: 70_000, intervalMs: 1000 },
    );
    assert.equal(login.status, 200, JSON.stringify(login.body));
    assert.ok(login.ms < QUICK_MS, `login answered in ${login.ms} ms`);
    const me = await fetch(`${gateway}/auth/me`, { headers: { authorization: `Bearer ${login.body.token}` } });
    assert.equal(me.status, 200, 'the session authenticates with the cache down');
    assert.equal((await fetch(`${gateway}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${login.body.token}` } })).status, 204);
    const health = await timed('GET', '/health');
    assert.equal(health.status, 503);
    assert.equal(health.body.stores.redis.status, 'down');
    assert.equal(health.body.stores.redisState.status, 'ok');
    process.stdout.write(`  Redis stopped in ${stopMs} ms; reads meanwhile: slowest ${Math.max(...slowest)} ms; login in ${login.ms} ms\n`);
  } finally {
    startMs = await unitAction('redis', 'start');
  }

  const back = Date.now();
  await systemHealthy();
  // The cache projection applies what waited for Redis: B's new name, C's profile.
  await waitFor('the cache projection applied the changes made while Redis was down', async () => (await cacheProblems(stores.redis, await sourceNames(written))).length === 0, { timeoutMs: 60_000 }).catch(
    async () => assert.deepEqual(await cacheProblems(stores.redis, await sourceNames(written)), []),
  );
  const repopulatedMs = Date.now() - back;
  assert.ok(C > 0);
  // Cache-aside: a profile missing from the cache is filled by the next read that needs it.
  await stores.redis.del(userKey(B));
  assert.equal((await api('GET', `/posts/${postId}`)).body.user.name, renamed);
  await waitFor('the read filled the missing profile', async () => JSON.parse((await stores.redis.get(userKey(B))) ?? '{}').name === renamed, { timeoutMs: 5000 });
  const cacheStatus = await api('GET', '/cache-status');
  assert.equal(cacheStatus.body.connected, true);
  process.stdout.write(`  Redis started in ${startMs} ms; the cache was current again ${repopulatedMs} ms after\n`);

  await pipelineDrained(120_000);
  const names = await sourceNames(written);
  assert.deepEqual(await eventProblems(stores.timescale, written), [], 'TimescaleDB: each change exactly once');
  assert.deepEqual(await graphProblems(stores.neo4j, written, names), [], 'Neo4j: every change');
  await reconcileClean(baseline);
  // A store that is down is never the message's fault: nothing was dead-lettered meanwhile.
  const letters = ((await api('GET', '/pipeline/dead-letters?limit=1000')).body ?? []) as Array<{ group: string; failedAt: string; error: string }>;
  assert.deepEqual(letters.filter((l) => new Date(l.failedAt) >= outageBegan).map((l) => `${l.group}: ${l.error}`), [], 'no dead letter during or after the outage');
});
