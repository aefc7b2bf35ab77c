// What does not depend on the data: the OpenAPI document, Swagger UI, CORS,
// the error shape for bad requests, and what happens when services are down.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { RunningGateway } from '../src/app.ts';
import { call, DOWN_URL, startGateway } from './support.ts';

const PUBLIC_ROUTES = [
  'post /users',
  'get /users',
  'get /users/{id}',
  'put /users/{id}',
  'delete /users/{id}',
  'get /users/{id}/feed',
  'get /posts',
  'post /posts',
  'get /posts/{id}',
  'put /posts/{id}',
  'delete /posts/{id}',
  'post /posts/{id}/like',
  'get /posts/{id}/comments',
  'post /posts/{id}/comments',
  'delete /posts/{id}/comments/{commentId}',
  'post /follow',
  'delete /follow',
  'get /relationships',
  'get /analytics',
  'get /cache-status',
  'get /health',
  'get /pipeline/dead-letters',
  'post /pipeline/dead-letters/replay',
  'get /consistency/{token}',
  'get /traces/{traceId}',
  'post /lab/experiments',
  'get /lab/experiments',
  'post /lab/observations',
  'post /auth/login',
  'post /auth/logout',
  'get /auth/me',
  'get /faults',
  'post /faults/projections/{name}/pause',
  'post /faults/projections/{name}/resume',
  'put /faults/projections/{name}',
  'post /faults/units/{unit}/stop',
  'post /faults/units/{unit}/start',
  'post /faults/units/{unit}/kill',
  'get /reconcile',
  'get /reconcile/progress',
  'post /reconcile/repair',
];

describe('gateway with every service down', () => {
  let gateway: RunningGateway;
  let base: string;
  before(async () => {
    gateway = await startGateway({ USERS_URL: DOWN_URL, POSTS_URL: DOWN_URL, GRAPH_URL: DOWN_URL, ANALYTICS_URL: DOWN_URL, PROJECTORS_URL: DOWN_URL, JAEGER_QUERY_URL: DOWN_URL });
    base = `http://127.0.0.1:${gateway.port}`;
  });
  after(() => gateway.stop());

  test('GET /openapi.json is OpenAPI 3.1.0 and documents every public route with its request and error schemas', async () => {
    const r = await call(base, 'GET', '/openapi.json');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(r.body.openapi, '3.1.0');
    const documented = Object.entries(r.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    assert.deepEqual([...documented].sort(), [...PUBLIC_ROUTES].sort());
    const createPost = r.body.paths['/posts'].post;
    assert.ok(createPost.requestBody.content['application/json'].schema.properties.author_id, 'POST /posts documents its body');
    assert.ok(createPost.responses['201'].content['application/json'].schema.properties._id, 'POST /posts documents its 201');
    assert.deepEqual(Object.keys(createPost.responses['404'].content['application/json'].schema.properties).sort(), ['code', 'error']);
    assert.ok(r.body.paths['/posts'].get.parameters.some((p: { name: string }) => p.name === 'before'));
    assert.ok(r.body.paths['/users/{id}'].get.parameters.some((p: { name: string; in: string }) => p.name === 'id' && p.in === 'path'));
    assert.ok(r.body.components.securitySchemes.bearerAuth);
  });

  test('GET /docs answers Swagger UI as HTML', async () => {
    const r = await fetch(`${base}/docs`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await r.text(), /swagger-ui/i);
  });

  test('a CORS preflight from http://localhost:3000 is allowed, one from elsewhere is not', async () => {
    const preflight = (origin: string) =>
      fetch(`${base}/posts`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } });
    const ok = await preflight('http://localhost:3000');
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'http://localhost:3000');
    assert.match(ok.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(ok.headers.get('access-control-allow-headers') ?? '', /authorization/);
    const other = await preflight('http://evil.example');
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    // The UI reads a write's trace id from traceresponse, and its token from x-consistency-token.
    const answer = await fetch(`${base}/cache-status`, { headers: { origin: 'http://localhost:3000' } });
    assert.match(answer.headers.get('access-control-expose-headers') ?? '', /\btraceresponse\b/);
    assert.match(answer.headers.get('access-control-expose-headers') ?? '', /\bx-consistency-token\b/);
  });

  test('an unknown route is 404 ROUTE_NOT_FOUND', async () => {
    const r = await call(base, 'GET', '/nope');
    assert.equal(r.status, 404);
    assert.equal(r.body.code, 'ROUTE_NOT_FOUND');
  });

  test('malformed JSON is 400 MALFORMED_JSON, a body over 64 KiB is 413 BODY_TOO_LARGE', async () => {
    const bad = await call(base, 'POST', '/users', undefined, { raw: '{"email": ', headers: { 'content-type': 'application/json' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'MALFORMED_JSON');
    const big = await call(base, 'POST', '/posts', { author_id: 1, title: 't', body: 'x'.repeat(70 * 1024) });
    assert.equal(big.status, 413);
    assert.equal(big.body.code, 'BODY_TOO_LARGE');
  });

  test('invalid input is 400 VALIDATION_FAILED before any service is called', async () => {
    for (const [method, path, body] of [
      ['POST', '/users', { email: 'not-an-email', name: 'x', password: 'long enough' }],
      ['POST', '/users', { email: { $ne: null }, name: 'x', password: 'long enough' }],
      ['POST', '/posts', { author_id: 1, title: 't', body: 'b', $where: 'sleep(1000)' }],
      ['POST', '/posts', { author_id: 1, title: 't', body: 'b', meta: { $gt: '' } }],
      ['POST', '/follow', { followerId: '1 OR 1=1', followeeId: 2 }],
      ['GET', '/users/1%20OR%201=1', undefined],
      ['GET', '/posts/%7B%22$ne%22:1%7D', undefined],
      ['GET', '/posts?limit=500', undefined],
      ['GET', '/posts?before=zzz', undefined],
      ['GET', `/traces/${'4BF92F3577B34DA6A3CE929D0E0E4736'}`, undefined],
      ['GET', `/traces/${'0'.repeat(32)}`, undefined],
      ['GET', '/traces/4bf92f3577b34da6', undefined],
    ] as const) {
      const r = await call(base, method, path, body);
      assert.equal(r.status, 400, `${method} ${path} ${JSON.stringify(body)} → ${r.text}`);
      assert.equal(r.body.code, 'VALIDATION_FAILED');
    }
  });

  test('POST /follow to oneself is 400 SELF_FOLLOW before any service is asked', async () => {
    const r = await call(base, 'POST', '/follow', { followerId: 7, followeeId: 7 });
    assert.equal(r.status, 400);
    assert.equal(r.body.code, 'SELF_FOLLOW');
  });

  test('a service that is down is 503 STORE_UNAVAILABLE naming it and its store', async () => {
    const cases: Array<[string, string, unknown, RegExp]> = [
      ['GET', '/users', undefined, /the users service \(PostgreSQL\) is unavailable/],
      ['POST', '/users', { email: 'down@example.test', name: 'Down', password: 'long enough' }, /the users service \(PostgreSQL\)/],
      // Lists are served from the listings in Redis (rightly, while the service is down); one post is read from the service.
      ['GET', '/posts/0123456789abcdef01234567', undefined, /the posts service/],
      ['GET', '/relationships', undefined, /the graph service \(Neo4j\)/],
      ['GET', '/analytics', undefined, /the analytics service \(TimescaleDB\)/],
      ['GET', '/pipeline/dead-letters', undefined, /the projectors service/],
      ['POST', '/pipeline/dead-letters/replay', { all: true }, /the projectors service/],
      ['POST', '/follow', { followerId: 1, followeeId: 2 }, /the users service/],
      ['POST', '/auth/login', { email: 'down@example.test', password: 'whatever' }, /the users service/],
    ];
    for (const [method, path, body, message] of cases) {
      const r = await call(base, method, path, body);
      assert.equal(r.status, 503, `${method} ${path}: ${r.text}`);
      assert.equal(r.body.code, 'STORE_UNAVAILABLE');
      assert.match(r.body.error, message);
    }
  });

  test('Jaeger down: GET /traces/:traceId and GraphQL trace are 503 TRACING_UNAVAILABLE, saying where to look', async () => {
    const r = await call(base, 'GET', '/traces/4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(r.status, 503, r.text);
    assert.equal(r.body.code, 'TRACING_UNAVAILABLE');
    assert.match(r.body.error, /\.\/stackctl status jaeger/);
    const q = await call(base, 'POST', '/graphql', { query: '{ trace(id: "4bf92f3577b34da6a3ce929d0e0e4736") { traceId } }' });
    assert.equal(q.body.errors?.[0]?.extensions?.code, 'TRACING_UNAVAILABLE', q.text);
    const bad = await call(base, 'POST', '/graphql', { query: '{ trace(id: "not-a-trace-id") { traceId } }' });
    assert.equal(bad.body.errors?.[0]?.extensions?.code, 'VALIDATION_FAILED', bad.text);
  });

  test('a service that accepts but never answers is 503 after the 5 s limit', async () => {
    const hung = createServer(() => undefined);
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const slow = await startGateway({ ANALYTICS_URL: `http://127.0.0.1:${(hung.address() as AddressInfo).port}` });
    try {
      const started = Date.now();
      const r = await call(`http://127.0.0.1:${slow.port}`, 'GET', '/analytics');
      const elapsed = Date.now() - started;
      assert.equal(r.status, 503);
      assert.match(r.body.error, /the analytics service \(TimescaleDB\) is unavailable/);
      assert.ok(elapsed >= 4900 && elapsed < 6500, `answered after ${elapsed} ms`);
    } finally {
      await slow.stop();
      hung.closeAllConnections();
      await new Promise((resolve) => hung.close(resolve));
    }
  });

  test('GET /health is 503 and names each component that is down', async () => {
    const r = await call(base, 'GET', '/health');
    assert.equal(r.status, 503);
    assert.equal(r.body.status, 'degraded');
    for (const name of ['users', 'posts', 'graph', 'analytics', 'projectors']) {
      assert.equal(r.body.services[name].status, 'down', name);
      assert.equal(typeof r.body.services[name].error, 'string');
    }
    assert.equal(r.body.stores.redis.status, 'ok');
    assert.equal(r.body.stores.redisState.status, 'ok');
    assert.equal(typeof r.body.pipeline.connector.state, 'string');
    assert.deepEqual(Object.keys(r.body.pipeline.projections).sort(), ['analytics', 'cache', 'graph']);
    assert.deepEqual(Object.keys(r.body.pipeline.connectors).sort(), ['posts-cdc', 'users-cdc']);
    assert.deepEqual(r.body.pipeline.connector, r.body.pipeline.connectors['users-cdc']);
    assert.deepEqual(r.body.pipeline.relays, { 'graph-relay': null }, 'the graph service, which runs the relay, is down');
  });

  test('GET /cache-status reads Redis INFO', async () => {
    const r = await call(base, 'GET', '/cache-status');
    assert.equal(r.status, 200);
    assert.equal(r.body.connected, true);
    assert.equal(typeof r.body.memory, 'number', 'megabytes, as clients render "{memory} MB"');
    assert.match(r.body.memoryHuman, /^[\d.]+[BKMG]?$/);
    assert.ok(r.body.memoryBytes > 0);
    assert.ok(r.body.keys >= 0);
    assert.ok(r.body.hitRate >= 0 && r.body.hitRate <= 100, 'a percentage');
    assert.ok(r.body.hitRatio >= 0 && r.body.hitRatio <= 1, 'a fraction');
    for (const field of ['hits', 'misses', 'evictions', 'opsPerSec']) assert.equal(typeof r.body[field], 'number', field);
  });
});

describe('gateway with Redis down', () => {
  let gateway: RunningGateway;
  let base: string;
  before(async () => {
    gateway = await startGateway({ REDIS_URL: 'redis://127.0.0.1:1', USERS_URL: DOWN_URL, POSTS_URL: DOWN_URL, GRAPH_URL: DOWN_URL });
    base = `http://127.0.0.1:${gateway.port}`;
  });
  after(() => gateway.stop());

  test('GET /cache-status answers 200 connected: false with zeros', async () => {
    const r = await call(base, 'GET', '/cache-status');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { connected: false, memory: 0, memoryBytes: 0, memoryHuman: '0B', keys: 0, hitRate: 0, hitRatio: 0, hits: 0, misses: 0, evictions: 0, opsPerSec: 0 });
  });

  test('GET /health reports Redis down', async () => {
    const r = await call(base, 'GET', '/health');
    assert.equal(r.status, 503);
    assert.equal(r.body.stores.redis.status, 'down');
  });

  test('logging in does not need the cache: sessions and login counters are in the state store', async () => {
    const r = await call(base, 'POST', '/auth/login', { email: 'someone@example.test', password: 'whatever' });
    // The users service is down here, so the login fails, but not for want of Redis.
    assert.notEqual(r.status, 200);
    assert.doesNotMatch(r.body.error, /Redis/);
  });
});

describe('gateway with the state Redis down', () => {
  let gateway: RunningGateway;
  let base: string;
  before(async () => {
    gateway = await startGateway({ STATE_REDIS_URL: 'redis://127.0.0.1:1', USERS_URL: DOWN_URL, POSTS_URL: DOWN_URL, GRAPH_URL: DOWN_URL });
    base = `http://127.0.0.1:${gateway.port}`;
  });
  after(() => gateway.stop());

  test('logging in needs the state store: 503 naming it', async () => {
    const r = await call(base, 'POST', '/auth/login', { email: 'someone@example.test', password: 'whatever' });
    assert.equal(r.status, 503);
    assert.equal(r.body.code, 'STORE_UNAVAILABLE');
    assert.match(r.body.error, /^the state store \(Redis\) is unavailable/);
  });

  test('GET /health reports the state store down and the cache up; /cache-status reports the cache', async () => {
    const r = await call(base, 'GET', '/health');
    assert.equal(r.status, 503);
    assert.equal(r.body.stores.redisState.status, 'down');
    assert.equal(r.body.stores.redis.status, 'ok');
    const cache = await call(base, 'GET', '/cache-status');
    assert.equal(cache.body.connected, true);
  });
});
