// The checks createHttpApp puts in front of every route, on real servers on
// loopback: the Host allow-list, the Origin check of writes, the internal
// secret. A refused request never reaches its handler.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { z } from 'zod';
import { createHttpApp, type HttpApp } from '../src/http-app.ts';
import { envInternalSecret, internalHeaders } from '../src/internal-secret.ts';
import { envAllowedHosts, type RequestGuardOptions } from '../src/request-guards.ts';
import { rawRequest } from '../test-fixtures/raw-http.ts';

const logger = pino({ level: 'silent' });

async function serve(guards: RequestGuardOptions): Promise<{ app: HttpApp; port: number; handled: string[] }> {
  const handled: string[] = [];
  const app = createHttpApp({ logger, guards });
  app.get('/thing', async () => {
    handled.push('GET');
    return { ok: true };
  });
  app.post('/thing', async () => {
    handled.push('POST');
    return { ok: true };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, port: (app.server.address() as { port: number }).port, handled };
}

describe('Host', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  before(async () => {
    server = await serve({ allowedHosts: envAllowedHosts.parse('polyglot.test, Other.Test:1234') });
  });
  after(() => server.app.close());

  test('127.0.0.1 and localhost on the port the server listens on are answered', async () => {
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `LOCALHOST:${server.port}`]) {
      const r = await rawRequest(server.port, 'GET', '/thing', { host });
      assert.equal(r.status, 200, `${host}: ${JSON.stringify(r.body)}`);
    }
  });

  test('any other name, or a loopback name on another port, is 403 HOST_NOT_ALLOWED saying how to add it; nothing runs', async () => {
    const before = server.handled.length;
    for (const host of ['evil.example', `evil.example:${server.port}`, 'localhost', `localhost:${server.port + 1}`, '127.0.0.1', `other.test:${server.port}`, 'a b']) {
      for (const method of ['GET', 'POST']) {
        const r = await rawRequest(server.port, method, '/thing', { host });
        assert.equal(r.status, 403, `${method} with Host ${host}`);
        assert.equal(r.body.code, 'HOST_NOT_ALLOWED');
        assert.match(r.body.error, /ALLOWED_HOSTS/);
      }
    }
    assert.equal(server.handled.length, before);
  });

  test('ALLOWED_HOSTS adds names: a bare name on any port, name:port on that port only', async () => {
    assert.equal((await rawRequest(server.port, 'GET', '/thing', { host: `polyglot.test:${server.port}` })).status, 200);
    assert.equal((await rawRequest(server.port, 'GET', '/thing', { host: 'polyglot.test' })).status, 200);
    assert.equal((await rawRequest(server.port, 'GET', '/thing', { host: 'other.test:1234' })).status, 200);
  });

  test('ALLOWED_HOSTS refuses what is not a host name', () => {
    assert.throws(() => envAllowedHosts.parse('http://myhost:4000'), /not a host name or host:port/);
    assert.throws(() => envAllowedHosts.parse('myhost/path'), /not a host name or host:port/);
    assert.deepEqual(envAllowedHosts.parse(undefined), []);
  });
});

describe('Origin (allowedOrigins set)', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  let host: string;
  before(async () => {
    server = await serve({ allowedOrigins: ['http://localhost:3000', 'http://127.0.0.1:3000/'] });
    host = `127.0.0.1:${server.port}`;
  });
  after(() => server.app.close());

  test('a POST from a foreign origin, or Origin: null, is 403 ORIGIN_NOT_ALLOWED and its handler never runs', async () => {
    const before = server.handled.length;
    for (const origin of ['http://evil.example', 'null', 'http://localhost:3001', 'https://localhost:3000']) {
      const r = await rawRequest(server.port, 'POST', '/thing', { host, origin });
      assert.equal(r.status, 403, origin);
      assert.equal(r.body.code, 'ORIGIN_NOT_ALLOWED');
      assert.match(r.body.error, /CORS_ORIGINS/);
    }
    assert.equal(server.handled.length, before);
  });

  test('an allowed origin, the server’s own, or no Origin at all: the POST runs', async () => {
    const cases: Array<Record<string, string>> = [{ origin: 'http://localhost:3000' }, { origin: 'http://127.0.0.1:3000' }, { origin: `http://${host}` }, {}];
    for (const headers of cases) {
      const r = await rawRequest(server.port, 'POST', '/thing', { host, ...headers });
      assert.equal(r.status, 200, JSON.stringify(headers));
    }
  });

  test('reads are not checked (CORS keeps their answers from a foreign page)', async () => {
    assert.equal((await rawRequest(server.port, 'GET', '/thing', { host, origin: 'http://evil.example' })).status, 200);
  });
});

describe('internal secret (internalSecret set)', () => {
  const secret = 'a'.repeat(64);
  let server: Awaited<ReturnType<typeof serve>>;
  let host: string;
  before(async () => {
    server = await serve({ internalSecret: secret });
    host = `127.0.0.1:${server.port}`;
  });
  after(() => server.app.close());

  test('without it, or with another, every request is 401 INTERNAL_AUTH_REQUIRED and nothing runs', async () => {
    const before = server.handled.length;
    for (const headers of [{}, internalHeaders('b'.repeat(64)), internalHeaders('a'.repeat(63)), internalHeaders('')]) {
      for (const method of ['GET', 'POST']) {
        const r = await rawRequest(server.port, method, '/thing', { host, ...headers });
        assert.equal(r.status, 401, `${method} ${JSON.stringify(headers)}`);
        assert.equal(r.body.code, 'INTERNAL_AUTH_REQUIRED');
        assert.match(r.body.error, /x-internal-secret/);
      }
    }
    assert.equal(server.handled.length, before);
  });

  test('with it: answered; a foreign Host is still refused', async () => {
    assert.equal((await rawRequest(server.port, 'POST', '/thing', { host, ...internalHeaders(secret) })).status, 200);
    assert.equal((await rawRequest(server.port, 'GET', '/thing', { host: 'evil.example', ...internalHeaders(secret) })).status, 403);
  });

  test('a configured secret shorter than 32 characters is refused at start', () => {
    const schema = z.object({ INTERNAL_SECRET: envInternalSecret });
    assert.throws(() => schema.parse({ INTERNAL_SECRET: 'short' }), /at least 32 characters/);
    assert.equal(schema.parse({ INTERNAL_SECRET: secret }).INTERNAL_SECRET, secret);
  });
});
