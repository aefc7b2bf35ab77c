// /faults on the gateway: names checked against the allow-lists, the admin
// requirement with AUTH_REQUIRED on, every action logged with who asked, and
// a real projection (the posts service's user cascade, in a consumer group of
// its own) paused, set and resumed through the gateway.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { waitFor } from '@polyglot/platform/wait-for';
import { consumerGroups, topics } from '@polyglot/contracts/topics';
import { deleteTestGroups, testGroupAtEnd } from '@polyglot/platform/test-fixtures/consumer-group';
import { start as startPosts } from '@polyglot/posts/app';
import { PostsConfig } from '@polyglot/posts/config';
import { start, type RunningGateway } from '../src/app.ts';
import { loadGatewayConfig } from '../src/config.ts';
import { setRole } from '@polyglot/stack/commands/admin';
import { bearer, call, DOWN_URL, startStack, uniqueEmail, type Stack } from './support.ts';

const stack: Stack = await startStack({ services: ['users', 'analytics'] });
const cascadeGroup = await testGroupAtEnd(consumerGroups.postsUserCascade, [topics.userChanges]);
const cascade = await startPosts(
  PostsConfig.parse({ PORT: '0', LOG_LEVEL: 'silent', CONSUMERS: 'on', USER_CASCADE_GROUP: cascadeGroup }),
  { logger: pino({ level: 'silent' }) },
);
const cascadeUrl = `http://127.0.0.1:${cascade.port}`;
const gateways: RunningGateway[] = [];
const users: number[] = [];
const logLines: Array<Record<string, any>> = [];

async function gateway(env: Record<string, string> = {}): Promise<string> {
  const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
  const g = await start(
    loadGatewayConfig({
      PORT: '0',
      LOGIN_MAX_PER_ADDRESS: '100000',
      USERS_URL: stack.services.users ?? DOWN_URL,
      POSTS_URL: cascadeUrl,
      GRAPH_URL: DOWN_URL,
      ANALYTICS_URL: stack.services.analytics ?? DOWN_URL,
      PROJECTORS_URL: DOWN_URL,
      ...env,
    }),
    { logger },
  );
  gateways.push(g);
  return `http://127.0.0.1:${g.port}`;
}

const open = await gateway();

after(async () => {
  for (const id of users) await call(open, 'DELETE', `/users/${id}`).catch(() => undefined);
  // Leave the cascade as it was found, even when a test failed halfway.
  await call(cascadeUrl, 'PUT', '/internal/projection', { paused: false, delayMs: 0, duplicate: false }).catch(() => undefined);
  for (const g of gateways) await g.stop();
  await cascade.stop();
  await deleteTestGroups(cascadeGroup);
  await stack.stop();
});

before(async () => {
  await waitFor('the cascade consumer to run', async () => (await call(cascadeUrl, 'GET', '/health')).body?.userCascade?.running === true, { timeoutMs: 30_000 });
});

describe('names and settings are checked', () => {
  test('an unknown projection is 404 UNKNOWN_PROJECTION; an unknown unit, or the gateway, 404 UNKNOWN_UNIT', async () => {
    for (const [method, path, body] of [
      ['POST', '/faults/projections/nope/pause'],
      ['POST', '/faults/projections/GRAPH/resume'],
      ['PUT', '/faults/projections/nope', { delayMs: 5 }],
    ] as const) {
      const r = await call(open, method, path, body);
      assert.equal(r.status, 404, `${method} ${path}: ${r.text}`);
      assert.equal(r.body.code, 'UNKNOWN_PROJECTION');
      assert.match(r.body.error, /graph, cache, analytics, user-cascade/);
    }
    // posts-relay: posts are captured from the store's log by Connect; graph-relay: the relay runs in the
    // graph service's process. Neither is a unit to break.
    for (const unit of ['nope', 'gateway', 'posts-relay', 'graph-relay', 'redis;reboot', '..%2F..%2Fbin%2Fsh']) {
      const r = await call(open, 'POST', `/faults/units/${unit}/kill`);
      assert.equal(r.status, 404, `${unit}: ${r.text}`);
      assert.equal(r.body.code, 'UNKNOWN_UNIT');
    }
    const action = await call(open, 'POST', '/faults/units/redis/explode');
    assert.equal(action.status, 404);
    assert.equal(action.body.code, 'ROUTE_NOT_FOUND');
  });

  test('bad settings are 400 VALIDATION_FAILED', async () => {
    for (const body of [{ delayMs: -1 }, { delayMs: 60_001 }, { delayMs: 'slow' }, { duplicate: 'on' }, { paused: true }, { other: 1 }]) {
      const r = await call(open, 'PUT', '/faults/projections/user-cascade', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.code, 'VALIDATION_FAILED');
    }
  });

  test('a service running without the projection: 404 UNKNOWN_PROJECTION saying so; a service that is down: 503', async () => {
    const off = await call(open, 'POST', '/faults/projections/analytics/pause');
    assert.equal(off.status, 404, off.text);
    assert.equal(off.body.code, 'UNKNOWN_PROJECTION');
    assert.match(off.body.error, /runs without the analytics projection/);
    const down = await call(open, 'POST', '/faults/projections/graph/pause');
    assert.equal(down.status, 503);
    assert.equal(down.body.code, 'STORE_UNAVAILABLE');
    // The cache projection's former name is still taken: it reaches the cache projection's service (down here).
    for (const name of ['cache', 'projectors']) {
      const cache = await call(open, 'PUT', `/faults/projections/${name}`, { delayMs: 5 });
      assert.equal(cache.status, 503, `${name}: ${cache.text}`);
      assert.match(cache.body.error, /projectors/);
    }
  });
});

describe('a projection through the gateway', () => {
  test('pause, delay and duplicate, resume: GET /faults, the service and /health agree; each action is logged with who asked', async () => {
    const paused = await call(open, 'POST', '/faults/projections/user-cascade/pause');
    assert.equal(paused.status, 200, paused.text);
    assert.equal(paused.body.name, 'user-cascade');
    assert.equal(paused.body.service, 'posts');
    assert.equal(paused.body.faults.paused, true);
    assert.equal(paused.body.running, true);

    const set = await call(open, 'PUT', '/faults/projections/user-cascade', { delayMs: 40, duplicate: true });
    assert.equal(set.status, 200, set.text);
    assert.deepEqual([set.body.faults.paused, set.body.faults.delayMs, set.body.faults.duplicate], [true, 40, true]);

    const inService = await call(cascadeUrl, 'GET', '/internal/projection');
    assert.deepEqual([inService.body.paused, inService.body.delayMs, inService.body.duplicate], [true, 40, true]);
    const health = await call(open, 'GET', '/health');
    assert.equal(health.body.pipeline.projections['user-cascade'].faults.paused, true, JSON.stringify(health.body.pipeline.projections));
    assert.equal(typeof health.body.pipeline.projections['user-cascade'].lag, 'number');

    const overview = await call(open, 'GET', '/faults');
    assert.equal(overview.status, 200, overview.text);
    const byName = Object.fromEntries(overview.body.projections.map((p: any) => [p.name, p]));
    assert.deepEqual(Object.keys(byName).sort(), ['analytics', 'cache', 'graph', 'user-cascade']);
    assert.equal(byName['user-cascade'].faults.paused, true);
    assert.equal(byName.graph.faults, null);
    assert.match(byName.graph.error, /unavailable/);
    assert.equal(overview.body.recent[0].action, 'set');
    assert.deepEqual(overview.body.recent[0].detail, { delayMs: 40, duplicate: true });
    assert.equal(overview.body.recent[1].action, 'pause');
    assert.equal(overview.body.recent[1].target, 'projection:user-cascade');
    assert.deepEqual(overview.body.recent[1].by, { userId: null, email: null, address: '127.0.0.1' });

    const resumed = await call(open, 'POST', '/faults/projections/user-cascade/resume');
    assert.equal(resumed.body.faults.paused, false);
    assert.equal(resumed.body.faults.pausedSince, null);
    const reset = await call(open, 'PUT', '/faults/projections/user-cascade', { delayMs: 0, duplicate: false });
    assert.deepEqual([reset.body.faults.delayMs, reset.body.faults.duplicate], [0, false]);

    const logged = logLines.filter((l) => l.fault?.target === 'projection:user-cascade').map((l) => [l.level, l.fault.action, l.fault.by.address, l.fault.outcome]);
    assert.deepEqual(logged.slice(0, 4), [
      [30, 'pause', '127.0.0.1', 'ok'],
      [30, 'set', '127.0.0.1', 'ok'],
      [30, 'resume', '127.0.0.1', 'ok'],
      [30, 'set', '127.0.0.1', 'ok'],
    ]);
  });

  test('GET /faults lists the units the stack CLI reports, with their states', async () => {
    const r = await call(open, 'GET', '/faults');
    assert.equal(r.status, 200);
    assert.equal(r.body.units.available, true, r.body.units.reason);
    assert.deepEqual(r.body.units.actions, ['stop', 'start', 'kill']);
    assert.ok(r.body.units.controllable.includes('kafka') && !r.body.units.controllable.includes('gateway'));
    assert.ok(r.body.units.controllable.includes('connect') && !r.body.units.controllable.includes('posts-relay'));
    const redis = r.body.units.states.find((s: any) => s.name === 'redis');
    assert.equal(redis?.kind, 'engine');
    // Not necessarily healthy: another test may be stopping Redis right now.
    assert.match(redis?.state ?? '', /^(healthy|starting|down|crashed)$/);
    assert.equal(typeof redis?.pid === 'number' || redis?.pid === null, true);
  });
});

describe('a gateway that may not drive the stack (UNIT_CONTROL=off), or cannot', () => {
  test('unit actions answer 501 UNIT_CONTROL_UNAVAILABLE, GET /faults says why, and the refused action is recorded', async () => {
    const url = await gateway({ UNIT_CONTROL: 'off' });
    const r = await call(url, 'POST', '/faults/units/redis/stop');
    assert.equal(r.status, 501, r.text);
    assert.equal(r.body.code, 'UNIT_CONTROL_UNAVAILABLE');
    const overview = await call(url, 'GET', '/faults');
    assert.equal(overview.body.units.available, false);
    assert.match(overview.body.units.reason, /UNIT_CONTROL=off/);
    assert.deepEqual(overview.body.units.states, []);
    assert.equal(overview.body.recent[0].target, 'unit:redis');
    assert.equal(overview.body.recent[0].outcome, 'failed');
  });

  test("the stack's unit control not running: 501 UNIT_CONTROL_UNAVAILABLE saying how to start it", async () => {
    const url = await gateway({ UNIT_CONTROL: `/tmp/no-unit-control-${randomUUID()}.sock` });
    const r = await call(url, 'POST', '/faults/units/analytics/kill');
    assert.equal(r.status, 501, r.text);
    assert.equal(r.body.code, 'UNIT_CONTROL_UNAVAILABLE');
    assert.match(r.body.error, /unit control is not running .*\.\/stackctl start unit-control/);
    const overview = await call(url, 'GET', '/faults');
    assert.equal(overview.body.units.available, false);
    assert.match(overview.body.units.reason, /\.\/stackctl start unit-control/);
  });

  test('a gateway with another internal secret is refused by the unit control: 501, nothing done', async () => {
    const url = await gateway({ INTERNAL_SECRET: randomUUID().repeat(2) });
    const r = await call(url, 'POST', '/faults/units/redis/kill');
    assert.equal(r.status, 501, r.text);
    assert.equal(r.body.code, 'UNIT_CONTROL_UNAVAILABLE');
    assert.match(r.body.error, /refused this gateway's internal secret/);
    const overview = await call(open, 'GET', '/faults');
    assert.match(overview.body.units.states.find((s: any) => s.name === 'redis')?.state ?? '', /^(healthy|starting)$/, 'redis was not killed');
  });
});

describe('AUTH_REQUIRED on: only an admin session', () => {
  const PASSWORD = 'correct horse battery';
  const adminEmail = uniqueEmail('admin');
  const userEmail = uniqueEmail('user');
  let url: string;
  let adminToken: string;
  let userToken: string;

  before(async () => {
    url = await gateway({ AUTH_REQUIRED: 'true' });
    for (const email of [adminEmail, userEmail]) {
      const created = await call(url, 'POST', '/users', { email, name: 'Faults', password: PASSWORD });
      assert.equal(created.status, 201, created.text);
      users.push(created.body.id);
    }
    // Admin is a role, granted as ./stackctl admin grant does.
    await setRole(adminEmail.toUpperCase(), 'admin');
    adminToken = (await call(url, 'POST', '/auth/login', { email: adminEmail, password: PASSWORD })).body.token;
    userToken = (await call(url, 'POST', '/auth/login', { email: userEmail, password: PASSWORD })).body.token;
  });

  test('without a session: 401 UNAUTHENTICATED, before the names are even looked at', async () => {
    for (const [method, path] of [
      ['GET', '/faults'],
      ['POST', '/faults/projections/user-cascade/pause'],
      ['POST', '/faults/projections/nope/pause'],
      ['PUT', '/faults/projections/user-cascade'],
      ['POST', '/faults/units/nope/kill'],
      ['POST', '/pipeline/dead-letters/replay'],
    ] as const) {
      const r = await call(url, method, path, method === 'PUT' ? { delayMs: 1 } : undefined);
      assert.equal(r.status, 401, `${method} ${path}: ${r.text}`);
      assert.equal(r.body.code, 'UNAUTHENTICATED');
    }
  });

  test('a session that is not an admin: 403 ADMIN_REQUIRED', async () => {
    for (const [method, path] of [
      ['GET', '/faults'],
      ['POST', '/faults/projections/user-cascade/pause'],
      ['POST', '/faults/units/redis/kill'],
      ['POST', '/pipeline/dead-letters/replay'],
    ] as const) {
      const r = await call(url, method, path, undefined, { headers: bearer(userToken) });
      assert.equal(r.status, 403, `${method} ${path}: ${r.text}`);
      assert.equal(r.body.code, 'ADMIN_REQUIRED');
    }
    assert.equal((await call(cascadeUrl, 'GET', '/internal/projection')).body.paused, false, 'nothing was paused');
  });

  test('an admin may, and the log names them', async () => {
    const overview = await call(url, 'GET', '/faults', undefined, { headers: bearer(adminToken) });
    assert.equal(overview.status, 200, overview.text);
    const paused = await call(url, 'POST', '/faults/projections/user-cascade/pause', undefined, { headers: bearer(adminToken) });
    assert.equal(paused.status, 200, paused.text);
    const resumed = await call(url, 'POST', '/faults/projections/user-cascade/resume', undefined, { headers: bearer(adminToken) });
    assert.equal(resumed.body.faults.paused, false);
    const recent = (await call(url, 'GET', '/faults', undefined, { headers: bearer(adminToken) })).body.recent;
    assert.deepEqual(recent[1].by, { userId: users[0], email: adminEmail, address: '127.0.0.1' });
    assert.ok(logLines.some((l) => l.fault?.action === 'pause' && l.fault.by.email === adminEmail && l.msg.includes(adminEmail)));
  });
});
