// /analytics, /pipeline/dead-letters and /health with every service running
// for real. The outbox relays are stand-ins that answer their /health shape:
// a second real relay would publish the shared outboxes alongside the stack's.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { connectHeaders, urls } from '@polyglot/contracts/endpoints';
import type { RunningGateway } from '../src/app.ts';
import { call, DOWN_URL, startGateway, startStack, type Stack } from './support.ts';

const stack: Stack = await startStack();
const base = stack.url;
const relays: Server[] = [];

after(async () => {
  for (const r of relays) await new Promise((resolve) => r.close(resolve));
  await stack.stop();
});

async function relayStandIn(backlog: number): Promise<string> {
  const body = JSON.stringify({ status: 'ok', backlog, published: 0, lastPublishedAt: null, tombstonesDeleted: 0, failing: null, failingSince: null });
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  relays.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('analytics and the pipeline', () => {
  test('GET /analytics answers the analytics service JSON as it is', async () => {
    const r = await call(base, 'GET', '/analytics');
    assert.equal(r.status, 200, r.text);
    const direct = await call(stack.services.analytics!, 'GET', '/analytics');
    assert.deepEqual(Object.keys(r.body).sort(), Object.keys(direct.body).sort());
    assert.deepEqual(Object.keys(r.body.stats).sort(), Object.keys(direct.body.stats).sort());
    for (const list of ['events', 'series', 'topUsers']) assert.ok(Array.isArray(r.body[list]), list);
    // The pipeline may add events between the two reads, never remove them.
    assert.ok(r.body.stats.totalEvents <= direct.body.stats.totalEvents);
  });

  test('GET /pipeline/dead-letters answers the projectors list; limit is checked', async () => {
    const r = await call(base, 'GET', '/pipeline/dead-letters?limit=5');
    assert.equal(r.status, 200, r.text);
    assert.ok(Array.isArray(r.body));
    assert.deepEqual(r.body, (await call(stack.services.projectors!, 'GET', '/dead-letters?limit=5')).body);
    assert.equal((await call(base, 'GET', '/pipeline/dead-letters?limit=0')).status, 400);
    assert.equal((await call(base, 'GET', '/pipeline/dead-letters?limit=abc')).status, 400);
  });

  test('POST /pipeline/dead-letters/replay passes the projectors answer through; its body is checked', async () => {
    const unknown = await call(base, 'POST', '/pipeline/dead-letters/replay', { id: '0:999999999999' });
    assert.equal(unknown.status, 404, unknown.text);
    assert.equal(unknown.body.code, 'DEAD_LETTER_NOT_FOUND');
    for (const body of [{}, { id: 'x' }, { all: false }, { id: '0:1', all: true }]) {
      const r = await call(base, 'POST', '/pipeline/dead-letters/replay', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.body.code, 'VALIDATION_FAILED');
    }
  });
});

describe('health', () => {
  let gateway: RunningGateway;
  let url: string;
  const env = () => ({
    USERS_URL: stack.services.users!,
    POSTS_URL: stack.services.posts!,
    GRAPH_URL: stack.services.graph!,
    ANALYTICS_URL: stack.services.analytics!,
    PROJECTORS_URL: stack.services.projectors!,
  });
  before(async () => {
    gateway = await startGateway({ ...env(), POSTS_RELAY_URL: await relayStandIn(3), GRAPH_RELAY_URL: await relayStandIn(0) });
    url = `http://127.0.0.1:${gateway.port}`;
  });
  after(() => gateway?.stop());

  test('GET /health is 200 when everything is up, with each health body, the connector and the lags', async () => {
    const connect = (await (await fetch(`${urls.connect}/connectors/users-cdc/status`, { headers: connectHeaders() })).json()) as { connector: { state: string } };
    const r = await call(url, 'GET', '/health');
    if (connect.connector.state !== 'RUNNING') {
      assert.equal(r.status, 503, 'a connector that is not running makes the gateway degraded');
      return;
    }
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, 'ok');
    for (const name of ['users', 'posts', 'graph', 'analytics', 'projectors', 'posts-relay', 'graph-relay']) assert.equal(r.body.services[name].status, 'ok', name);
    assert.deepEqual(r.body.stores, { redis: { status: 'ok' }, redisState: { status: 'ok' } });
    assert.equal(r.body.pipeline.connector.state, 'RUNNING');
    assert.ok(r.body.pipeline.connector.tasks.length > 0);
    assert.deepEqual(r.body.pipeline.projections.graph, r.body.services.graph.projection);
    assert.deepEqual(r.body.pipeline.projections.analytics, r.body.services.analytics.projection);
    assert.deepEqual(r.body.pipeline.projections.projectors, r.body.services.projectors.projection);
    assert.deepEqual(r.body.pipeline.relays, { 'posts-relay': 3, 'graph-relay': 0 });
  });

  test('one component down makes it 503, naming that one; the others keep their bodies', async () => {
    const degraded = await startGateway({ ...env(), GRAPH_URL: DOWN_URL, POSTS_RELAY_URL: await relayStandIn(0), GRAPH_RELAY_URL: DOWN_URL, CONNECT_URL: 'http://127.0.0.1:1' });
    try {
      const started = Date.now();
      const r = await call(`http://127.0.0.1:${degraded.port}`, 'GET', '/health');
      assert.ok(Date.now() - started < 2500, 'bounded by the 2 s limit');
      assert.equal(r.status, 503);
      assert.equal(r.body.status, 'degraded');
      assert.equal(r.body.services.graph.status, 'down');
      assert.equal(r.body.services['graph-relay'].status, 'down');
      assert.equal(r.body.services.users.status, 'ok');
      assert.equal(r.body.pipeline.connector.state, 'UNREACHABLE');
      assert.equal(r.body.pipeline.projections.graph, null);
      assert.equal(r.body.pipeline.relays['graph-relay'], null);
    } finally {
      await degraded.stop();
    }
  });
});
