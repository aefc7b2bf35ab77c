// The running system against a page on another site and a DNS-rebinding page:
// a cross-origin body-less POST (sent by a browser without a CORS preflight)
// to a fault endpoint is refused and the projection keeps running; a foreign
// Host is refused by the gateway, the UI and an internal service; an internal
// service answers nothing without the stack's internal secret.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { servicePorts } from '@polyglot/contracts/services';
import { internalHeaders } from '@polyglot/platform/internal-secret';
import { rawRequest, upgradeRequest } from '@polyglot/platform/test-fixtures/raw-http';
import { api } from './support.ts';

const gatewayPort = servicePorts.gateway;
const gatewayHost = `127.0.0.1:${gatewayPort}`;

async function analytics(): Promise<{ paused: boolean | undefined; running: boolean | null }> {
  const overview = await api('GET', '/faults');
  assert.equal(overview.status, 200, JSON.stringify(overview.body));
  const control = overview.body.projections.find((p: { name: string }) => p.name === 'analytics');
  return { paused: control?.faults?.paused, running: control?.running ?? null };
}

test('a cross-origin body-less POST /faults/projections/analytics/pause is 403 ORIGIN_NOT_ALLOWED; analytics keeps running', async () => {
  const before = await analytics();
  assert.deepEqual(before, { paused: false, running: true });
  try {
    for (const origin of ['http://evil.example', 'null']) {
      const r = await rawRequest(gatewayPort, 'POST', '/faults/projections/analytics/pause', { host: gatewayHost, origin });
      assert.equal(r.status, 403, `${origin}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, 'ORIGIN_NOT_ALLOWED');
    }
    assert.deepEqual(await analytics(), { paused: false, running: true });
    const health = await api('GET', '/health');
    assert.equal(health.body.pipeline.projections.analytics.faults.paused, false);
  } finally {
    // Only if the refusal failed: leave the running system as it was.
    if ((await analytics()).paused) await api('POST', '/faults/projections/analytics/resume');
  }
});

test('the UI’s own origin still writes, and a WebSocket from a foreign page is refused', async () => {
  const ok = await rawRequest(gatewayPort, 'POST', '/graphql', { host: gatewayHost, origin: 'http://localhost:3000', 'content-type': 'application/json' }, JSON.stringify({ query: '{ __typename }' }));
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  const refused = await upgradeRequest(gatewayPort, '/graphql', { host: gatewayHost, origin: 'http://evil.example', 'sec-websocket-protocol': 'graphql-transport-ws' });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, 'ORIGIN_NOT_ALLOWED');
  const upgraded = await upgradeRequest(gatewayPort, '/graphql', { host: gatewayHost, origin: 'http://127.0.0.1:3000', 'sec-websocket-protocol': 'graphql-transport-ws' });
  assert.equal(upgraded.status, 101);
});

test('a foreign Host is 403 HOST_NOT_ALLOWED on the gateway, the UI and an internal service', async () => {
  for (const [name, port, headers] of [
    ['gateway', gatewayPort, {}],
    ['ui', servicePorts.ui, {}],
    ['users', servicePorts.users, internalHeaders()],
  ] as const) {
    const r = await rawRequest(port, 'GET', '/health', { host: `rebind.evil.example:${port}`, ...headers });
    assert.equal(r.status, 403, `${name}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.code, 'HOST_NOT_ALLOWED');
    const own = await rawRequest(port, 'GET', '/health', { host: `localhost:${port}`, ...headers });
    assert.notEqual(own.status, 403, `${name} under localhost`);
  }
});

test('every internal service answers 401 INTERNAL_AUTH_REQUIRED without the secret, and its /health with it', async () => {
  for (const name of ['users', 'posts', 'graph', 'analytics', 'projectors'] as const) {
    const port = servicePorts[name];
    const refused = await rawRequest(port, 'GET', '/health', { host: `127.0.0.1:${port}` });
    assert.equal(refused.status, 401, name);
    assert.equal(refused.body.code, 'INTERNAL_AUTH_REQUIRED');
    const answered = await rawRequest(port, 'GET', '/health', { host: `127.0.0.1:${port}`, ...internalHeaders() });
    assert.notEqual(answered.status, 401, name);
  }
  // The login check, straight to the users service: not a way around the gateway's login limit.
  const verify = await rawRequest(servicePorts.users, 'POST', '/credentials/verify', { host: `127.0.0.1:${servicePorts.users}`, 'content-type': 'application/json' }, JSON.stringify({ email: 'nobody@example.test', password: 'guess' }));
  assert.equal(verify.status, 401);
  assert.equal(verify.body.code, 'INTERNAL_AUTH_REQUIRED');
});
