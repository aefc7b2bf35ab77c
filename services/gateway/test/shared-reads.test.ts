// /health, the health query and /analytics without a token are answered from
// one shared read, at most about a second old: concurrent requests share one
// round of probes (one analytics read), counted at the real services behind
// counting proxies. With a consistency token, /analytics reads again after
// the wait (read-your-writes).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { watermarkKey } from '@polyglot/contracts/consistency';
import type { RunningGateway } from '../src/app.ts';
import { countingProxy, type CountingProxy } from './counting-proxy.ts';
import { call, startGateway, startStack, stateRedisClient, type Stack } from './support.ts';

describe('shared reads', () => {
  let stack: Stack;
  let gateway: RunningGateway;
  let base: string;
  let analytics: CountingProxy;
  let users: CountingProxy;
  let state: Redis;
  // A user id no user has: its analytics watermark is set here so that a token of it is reached at once.
  const entity = String(9_000_000_000_000 + Math.floor(Math.random() * 1_000_000_000));

  before(async () => {
    state = stateRedisClient();
    stack = await startStack({ services: ['users', 'analytics'] });
    analytics = await countingProxy(stack.services.analytics!);
    users = await countingProxy(stack.services.users!);
    // users' /health stands for a whole round of probes: each round asks it once.
    gateway = await startGateway({ ANALYTICS_URL: analytics.url, USERS_URL: users.url });
    base = `http://127.0.0.1:${gateway.port}`;
  });
  after(async () => {
    await state?.hdel(watermarkKey('analytics', 'users'), entity);
    await gateway?.stop();
    await Promise.all([analytics?.close(), users?.close()]);
    await stack?.stop();
    state?.disconnect();
  });

  test('50 concurrent GET /health cost one round of probes', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, () => call(base, 'GET', '/health')));
    for (const a of answers) {
      // Relays, posts, graph and projectors are not running here: 503 with the report, the same for all.
      assert.ok(a.status === 200 || a.status === 503, a.text);
      assert.deepEqual(a.body, answers[0]!.body);
    }
    assert.equal(users.count('/health'), 1, 'one round for fifty requests');
  });

  test('the health query and /health answer from the same report', async () => {
    const before = users.count('/health');
    const [query] = await Promise.all([
      call(base, 'POST', '/graphql', { query: `{ ${Array.from({ length: 10 }, (_, i) => `h${i}: health { checkedAt status }`).join(' ')} }` }),
      ...Array.from({ length: 20 }, () => call(base, 'GET', '/health')),
    ]);
    assert.equal(query!.status, 200, query!.text);
    const checkedAt = new Set(Object.values(query!.body.data as Record<string, { checkedAt: string }>).map((h) => h.checkedAt));
    assert.equal(checkedAt.size, 1, 'ten aliases, one report');
    assert.ok(users.count('/health') - before <= 1, 'at most one more round (the last report may have aged past a second)');
  });

  test('50 concurrent GET /analytics without a token cost one read; the query shares it', async () => {
    analytics.reset();
    const answers = await Promise.all([
      ...Array.from({ length: 50 }, () => call(base, 'GET', '/analytics')),
      call(base, 'POST', '/graphql', { query: '{ analytics { stats { totalEvents } } }' }),
    ]);
    for (const a of answers) assert.equal(a.status, 200, a.text);
    assert.equal(answers[50]!.body.data.analytics.stats.totalEvents, answers[0]!.body.stats.totalEvents);
    assert.equal(analytics.count('/analytics'), 1, 'one read for fifty-one requests');
  });

  test('with a token, every read goes to the analytics service after the wait', async () => {
    await state.hset(watermarkKey('analytics', 'users'), entity, '5');
    const token = `users:${entity}:5`;
    analytics.reset();
    const answers = await Promise.all([
      ...Array.from({ length: 3 }, () => call(base, 'GET', `/analytics?token=${token}`)),
      ...Array.from({ length: 2 }, () => call(base, 'GET', '/analytics', undefined, { headers: { 'x-consistency-token': token } })),
      call(base, 'POST', '/graphql', { query: 'query ($t: String) { analytics(token: $t) { stats { totalEvents } } }', variables: { t: token } }),
    ]);
    for (const a of answers) assert.equal(a.status, 200, a.text);
    assert.equal(analytics.count('/analytics'), 6, 'read-your-writes: one read per request');
  });
});
