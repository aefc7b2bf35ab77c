// /analytics, /pipeline/dead-letters and /health with every service running
// for real. The graph service runs without its outbox relay (a second relay
// would publish the shared outbox alongside the stack's); its /health still
// counts the outbox. Kafka Connect is the stack's own, or a stand-in for a
// connector it lacks.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { connectHeaders, urls } from '@polyglot/contracts/endpoints';
import type { RunningGateway } from '../src/app.ts';
import { call, DOWN_URL, startGateway, startStack, type Stack } from './support.ts';

const stack: Stack = await startStack();
const base = stack.url;
const standIns: Server[] = [];

after(async () => {
  for (const s of standIns) await new Promise((resolve) => s.close(resolve));
  await stack.stop();
});

/** An HTTP server answering each path listed with its status and JSON body, anything else 404. */
async function standIn(answers: Record<string, [status: number, body: unknown]>): Promise<string> {
  const server = createServer((req, res) => {
    const [status, body] = answers[req.url ?? ''] ?? [404, { message: `nothing at ${req.url}` }];
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  standIns.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** What the stack's Kafka Connect says of a connector: its state, and whether every task runs. */
async function connectorRunning(name: string): Promise<boolean> {
  const response = await fetch(`${urls.connect}/connectors/${name}/status`, { headers: connectHeaders() });
  if (!response.ok) return false;
  const status = (await response.json()) as { connector: { state: string }; tasks: Array<{ state: string }> };
  return status.connector.state === 'RUNNING' && status.tasks.length > 0 && status.tasks.every((t) => t.state === 'RUNNING');
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
    gateway = await startGateway(env());
    url = `http://127.0.0.1:${gateway.port}`;
  });
  after(() => gateway?.stop());

  test('GET /health is 200 when everything is up, with each health body, both connectors and the lags', async () => {
    const running = (await connectorRunning('users-cdc')) && (await connectorRunning('posts-cdc'));
    const r = await call(url, 'GET', '/health');
    if (!running) {
      assert.equal(r.status, 503, 'a connector that is not running makes the gateway degraded');
      return;
    }
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, 'ok');
    for (const name of ['users', 'posts', 'graph', 'analytics', 'projectors']) assert.equal(r.body.services[name].status, 'ok', name);
    assert.deepEqual(Object.keys(r.body.services).sort(), ['analytics', 'graph', 'posts', 'projectors', 'users'], 'the graph relay runs in the graph service, not as a service of its own');
    assert.deepEqual(r.body.stores, { redis: { status: 'ok' }, redisState: { status: 'ok' } });
    // Posts are captured from their store's log as users are: one Debezium connector each.
    assert.deepEqual(Object.keys(r.body.pipeline.connectors).sort(), ['posts-cdc', 'users-cdc']);
    for (const name of ['users-cdc', 'posts-cdc']) {
      assert.equal(r.body.pipeline.connectors[name].state, 'RUNNING', name);
      assert.ok(r.body.pipeline.connectors[name].tasks.length > 0, name);
    }
    assert.deepEqual(r.body.pipeline.connector, r.body.pipeline.connectors['users-cdc']);
    assert.deepEqual(r.body.pipeline.projections.graph, r.body.services.graph.projection);
    assert.deepEqual(r.body.pipeline.projections.analytics, r.body.services.analytics.projection);
    assert.deepEqual(r.body.pipeline.projections.cache, r.body.services.projectors.projection);
    // The relay's backlog, named as its dead letters' group, read from the graph service's /health.
    assert.equal(typeof r.body.services.graph.relay.backlog, 'number');
    assert.deepEqual(r.body.pipeline.relays, { 'graph-relay': r.body.services.graph.relay.backlog });
  });

  test('one component down makes it 503, naming that one; the others keep their bodies', async () => {
    const degraded = await startGateway({ ...env(), GRAPH_URL: DOWN_URL, CONNECT_URL: 'http://127.0.0.1:1' });
    try {
      const started = Date.now();
      const r = await call(`http://127.0.0.1:${degraded.port}`, 'GET', '/health');
      assert.ok(Date.now() - started < 2500, 'bounded by the 2 s limit');
      assert.equal(r.status, 503);
      assert.equal(r.body.status, 'degraded');
      assert.equal(r.body.services.graph.status, 'down');
      assert.equal(r.body.services.users.status, 'ok');
      assert.equal(r.body.pipeline.connector.state, 'UNREACHABLE');
      assert.equal(r.body.pipeline.connectors['posts-cdc'].state, 'UNREACHABLE');
      assert.equal(r.body.pipeline.projections.graph, null);
      assert.equal(r.body.pipeline.relays['graph-relay'], null);
    } finally {
      await degraded.stop();
    }
  });

  test('without the posts capture it is 503: posts-cdc MISSING, with what to do, while users-cdc runs', async () => {
    const running = { connector: { state: 'RUNNING', worker_id: 'stand-in' }, tasks: [{ id: 0, state: 'RUNNING', worker_id: 'stand-in' }], type: 'source' };
    const connect = await standIn({ '/connectors/users-cdc/status': [200, { name: 'users-cdc', ...running }], '/connectors/posts-cdc/status': [404, { error_code: 404, message: 'No status found for connector posts-cdc' }] });
    const uncaptured = await startGateway({ ...env(), CONNECT_URL: connect });
    try {
      const r = await call(`http://127.0.0.1:${uncaptured.port}`, 'GET', '/health');
      assert.equal(r.status, 503, r.text);
      assert.equal(r.body.status, 'degraded');
      assert.equal(r.body.pipeline.connectors['users-cdc'].state, 'RUNNING');
      assert.equal(r.body.pipeline.connector.state, 'RUNNING');
      assert.equal(r.body.pipeline.connectors['posts-cdc'].state, 'MISSING');
      assert.match(r.body.pipeline.connectors['posts-cdc'].error, /no connector posts-cdc; \.\/stackctl up registers it/);
    } finally {
      await uncaptured.stop();
    }
  });
});
