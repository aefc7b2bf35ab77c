// What a web page on another site, or a DNS-rebinding page, can do to the
// gateway and the UI server on loopback: nothing. A foreign Host is refused
// on every server; a write or a WebSocket upgrade whose Origin is not the UI's
// is refused before any handler runs (a body-less POST needs no CORS
// preflight, so CORS alone would let it through); the UI's own origin, the
// gateway's own pages and clients without Origin (curl, the project's
// processes) work as before. The projection paused here is the posts
// service's user cascade, in a consumer group of its own.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { consumerGroups, topics } from '@polyglot/contracts/topics';
import { deleteTestGroups, testGroupAtEnd } from '@polyglot/platform/test-fixtures/consumer-group';
import { waitFor } from '@polyglot/platform/wait-for';
import { rawRequest, upgradeRequest } from '@polyglot/platform/test-fixtures/raw-http';
import { start as startPosts } from '@polyglot/posts/app';
import { PostsConfig } from '@polyglot/posts/config';
import { startUiServer, UiConfig, type RunningUi } from '../src/ui-server.ts';
import { call, startGateway, startStack, uniqueEmail, type Stack } from './support.ts';

const EVIL = 'http://evil.example';
const UI_ORIGINS = ['http://localhost:3000', 'http://127.0.0.1:3000'];

const cascadeGroup = await testGroupAtEnd(consumerGroups.postsUserCascade, [topics.userChanges]);
const cascade = await startPosts(
  PostsConfig.parse({ PORT: '0', LOG_LEVEL: 'silent', CONSUMERS: 'on', USER_CASCADE_GROUP: cascadeGroup }),
  { logger: pino({ level: 'silent' }) },
);
const cascadeUrl = `http://127.0.0.1:${cascade.port}`;
const stack: Stack = await startStack({ services: ['users'], env: { POSTS_URL: cascadeUrl } });
const port = stack.gateway.port;
const host = `127.0.0.1:${port}`;
const users: number[] = [];

after(async () => {
  for (const id of users) await call(stack.url, 'DELETE', `/users/${id}`).catch(() => undefined);
  await call(cascadeUrl, 'PUT', '/internal/projection', { paused: false, delayMs: 0, duplicate: false }).catch(() => undefined);
  await stack.stop();
  await cascade.stop();
  await deleteTestGroups(cascadeGroup);
});

before(async () => {
  await waitFor('the cascade consumer to run', async () => (await call(cascadeUrl, 'GET', '/health')).body?.userCascade?.running === true, { timeoutMs: 30_000 });
});

/** The cascade as its service sees it, and the gateway's log of fault actions. */
async function cascadeState(): Promise<{ paused: boolean; running: boolean; logged: number }> {
  const inService = await call(cascadeUrl, 'GET', '/internal/projection');
  const overview = await call(stack.url, 'GET', '/faults');
  assert.equal(overview.status, 200, overview.text);
  return { paused: inService.body.paused, running: inService.body.running, logged: overview.body.recent.length };
}

describe('Host', () => {
  test('a foreign Host (DNS rebinding) is 403 HOST_NOT_ALLOWED on the gateway, for reads and writes, saying how to allow a name', async () => {
    for (const [method, path] of [['GET', '/users'], ['GET', '/health'], ['POST', '/faults/projections/user-cascade/pause']] as const) {
      const r = await rawRequest(port, method, path, { host: `rebind.evil.example:${port}` });
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.equal(r.body.code, 'HOST_NOT_ALLOWED');
      assert.match(r.body.error, /ALLOWED_HOSTS/);
    }
    assert.equal((await cascadeState()).paused, false);
    for (const name of ['127.0.0.1', 'localhost']) assert.equal((await rawRequest(port, 'GET', '/users', { host: `${name}:${port}` })).status, 200, name);
  });

  test('ALLOWED_HOSTS admits another name', async () => {
    const named = await startGateway({ USERS_URL: stack.services.users!, ALLOWED_HOSTS: 'polyglot.test' });
    try {
      assert.equal((await rawRequest(named.port, 'GET', '/users', { host: `polyglot.test:${named.port}` })).status, 200);
      assert.equal((await rawRequest(named.port, 'GET', '/users', { host: `other.test:${named.port}` })).status, 403);
    } finally {
      await named.stop();
    }
  });

  test('the WebSocket upgrade checks the Host too', async () => {
    const r = await upgradeRequest(port, '/consistency/stream', { host: `rebind.evil.example:${port}` });
    assert.equal(r.status, 403);
    assert.equal(r.body.code, 'HOST_NOT_ALLOWED');
  });
});

describe('Origin of writes', () => {
  test('a cross-origin body-less POST to a fault endpoint is 403 ORIGIN_NOT_ALLOWED; the projection keeps running and nothing is logged', async () => {
    const before = await cascadeState();
    assert.deepEqual([before.paused, before.running], [false, true]);
    // Exactly what a page's fetch(url, {method: 'POST', mode: 'no-cors'}) sends: no body, no content type, no preflight.
    const r = await rawRequest(port, 'POST', '/faults/projections/user-cascade/pause', { host, origin: EVIL });
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(r.body.code, 'ORIGIN_NOT_ALLOWED');
    assert.match(r.body.error, /CORS_ORIGINS/);
    const afterwards = await cascadeState();
    assert.deepEqual(afterwards, before);
    const health = await call(stack.url, 'GET', '/health');
    assert.equal(health.body.pipeline.projections['user-cascade'].faults.paused, false);
  });

  test('Origin: null (a sandboxed frame, a file:// page) is refused too, for any write method', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const r = await rawRequest(port, method, '/faults/projections/user-cascade/pause', { host, origin: 'null' });
      assert.equal(r.status, 403, method);
      assert.equal(r.body.code, 'ORIGIN_NOT_ALLOWED');
    }
    assert.equal((await cascadeState()).paused, false);
  });

  test('without Origin (curl, the project’s own processes) the same POST works', async () => {
    try {
      const r = await rawRequest(port, 'POST', '/faults/projections/user-cascade/pause', { host });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal((await cascadeState()).paused, true);
    } finally {
      assert.equal((await call(stack.url, 'POST', '/faults/projections/user-cascade/resume')).status, 200);
    }
  });

  test('the UI’s origins write as before; the original client’s body-less DELETE passes the CORS preflight and the check', async () => {
    for (const origin of UI_ORIGINS) {
      const created = await rawRequest(port, 'POST', '/users', { host, origin, 'content-type': 'application/json' }, JSON.stringify({ email: uniqueEmail('xsite'), name: 'Cross Site', password: 'correct horse battery' }));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.headers['access-control-allow-origin'], origin);
      users.push(created.body.id);

      const preflight = await rawRequest(port, 'OPTIONS', `/users/${created.body.id}`, { host, origin, 'access-control-request-method': 'DELETE' });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers['access-control-allow-origin'], origin);
      assert.match(String(preflight.headers['access-control-allow-methods']), /DELETE/);

      const deleted = await rawRequest(port, 'DELETE', `/users/${created.body.id}`, { host, origin });
      assert.equal(deleted.status, 204, JSON.stringify(deleted.body));
      users.splice(users.indexOf(created.body.id), 1);
    }
  });

  test('the gateway’s own pages (/docs) are same-origin and may write', async () => {
    for (const name of ['127.0.0.1', 'localhost']) {
      const r = await rawRequest(port, 'POST', '/graphql', { host: `${name}:${port}`, origin: `http://${name}:${port}`, 'content-type': 'application/json' }, JSON.stringify({ query: '{ __typename }' }));
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    // The gateway's origin is its own only: another server's page on the gateway's host name is foreign.
    const r = await rawRequest(port, 'POST', '/graphql', { host, origin: `http://127.0.0.1:${port + 1}`, 'content-type': 'application/json' }, JSON.stringify({ query: '{ __typename }' }));
    assert.equal(r.status, 403);
  });

  test('a foreign page may still read what CORS lets it read: GET is not refused', async () => {
    const r = await rawRequest(port, 'GET', '/users', { host, origin: EVIL });
    assert.equal(r.status, 200);
    assert.equal(r.headers['access-control-allow-origin'], undefined);
  });
});

describe('Origin of WebSocket upgrades', () => {
  for (const [path, protocol] of [['/graphql', 'graphql-transport-ws'], ['/consistency/stream', undefined]] as const) {
    const extra: Record<string, string> = protocol ? { 'sec-websocket-protocol': protocol } : {};
    test(`${path}: a foreign Origin or null is refused with 403 ORIGIN_NOT_ALLOWED`, async () => {
      for (const origin of [EVIL, 'null']) {
        const r = await upgradeRequest(port, path, { host, origin, ...extra });
        assert.equal(r.status, 403, `${origin}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.code, 'ORIGIN_NOT_ALLOWED');
      }
    });
    test(`${path}: the UI’s origin, or none, is upgraded`, async () => {
      for (const headers of [...UI_ORIGINS.map((origin) => ({ origin })), {}]) {
        const r = await upgradeRequest(port, path, { host, ...headers, ...extra });
        assert.equal(r.status, 101, `${JSON.stringify(headers)}: ${JSON.stringify(r.body)}`);
      }
    });
  }
});

describe('the UI server', () => {
  let dir: string;
  let ui: RunningUi;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ui-dist-xsite-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    ui = await startUiServer(UiConfig.parse({ PORT: '0', UI_DIST: dir }), { logger: pino({ level: 'silent' }) });
  });
  after(async () => {
    await ui?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('a foreign Host is 403 HOST_NOT_ALLOWED; its own names are served', async () => {
    for (const path of ['/', '/health', '/config.json']) {
      const r = await rawRequest(ui.port, 'GET', path, { host: `rebind.evil.example:${ui.port}` });
      assert.equal(r.status, 403, path);
      assert.equal(r.body.code, 'HOST_NOT_ALLOWED');
    }
    for (const name of ['127.0.0.1', 'localhost']) assert.equal((await rawRequest(ui.port, 'GET', '/', { host: `${name}:${ui.port}` })).status, 200);
  });
});

describe('an internal service behind the gateway', () => {
  test('answers nothing without the internal secret, /health included (401 INTERNAL_AUTH_REQUIRED); the gateway’s calls carry it', async () => {
    const usersPort = Number(new URL(stack.services.users!).port);
    for (const [method, path] of [['GET', '/health'], ['GET', '/users'], ['POST', '/credentials/verify']] as const) {
      const r = await rawRequest(usersPort, method, path, { host: `127.0.0.1:${usersPort}` });
      assert.equal(r.status, 401, `${method} ${path}`);
      assert.equal(r.body.code, 'INTERNAL_AUTH_REQUIRED');
    }
    const health = await call(stack.url, 'GET', '/health');
    assert.equal(health.body.services.users.status, 'ok', JSON.stringify(health.body.services.users));
    assert.equal((await call(stack.url, 'GET', '/users')).status, 200);
  });
});
