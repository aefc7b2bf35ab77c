// When PostgreSQL does not answer, the service says so quickly: 503
// STORE_UNAVAILABLE naming the store, and /health 503. start() skips the
// migrations here (migrate: false) so the app can run against a dead address;
// with migrations on, start() itself fails fast, which is tested too.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { call, startService, uniqueEmail, type Service } from './helpers.ts';

// Port 1 on loopback: nothing listens, so connections are refused at once.
const REFUSED_URL = 'postgres://postgres:postgres@127.0.0.1:1/users';

async function assertFastUnavailable(service: Service, method: string, path: string, body?: unknown): Promise<void> {
  const started = performance.now();
  const answer = await call(service, method, path, body);
  const elapsed = performance.now() - started;
  assert.equal(answer.status, 503, answer.text);
  assert.equal(answer.body.code, 'STORE_UNAVAILABLE');
  assert.match(answer.body.error, /PostgreSQL/);
  assert.doesNotMatch(answer.body.error, /postgres:postgres/, 'credentials must not leak');
  assert.ok(elapsed < 5000, `${method} ${path} took ${elapsed.toFixed(0)} ms`);
}

describe('PostgreSQL refuses connections', () => {
  let service: Service;
  before(async () => {
    service = await startService({ DATABASE_URL: REFUSED_URL }, { migrate: false });
  });
  after(async () => {
    await service.stop();
  });

  it('every endpoint that needs the database answers 503 STORE_UNAVAILABLE within 5 s', async () => {
    await assertFastUnavailable(service, 'POST', '/users', { email: uniqueEmail(), name: 'X', password: 'long enough password' });
    await assertFastUnavailable(service, 'GET', '/users');
    await assertFastUnavailable(service, 'GET', '/users?ids=1,2');
    await assertFastUnavailable(service, 'GET', '/users/1');
    await assertFastUnavailable(service, 'PUT', '/users/1', { email: uniqueEmail(), name: 'X' });
    await assertFastUnavailable(service, 'DELETE', '/users/1');
    await assertFastUnavailable(service, 'POST', '/credentials/verify', { email: uniqueEmail(), password: 'whatever' });
  });

  it('validation still comes first: a bad body is 400, not 503', async () => {
    const answer = await call(service, 'POST', '/users', { email: 'nope' });
    assert.equal(answer.status, 400);
  });

  it('/health answers 503 degraded with the reason', async () => {
    const answer = await call(service, 'GET', '/health');
    assert.equal(answer.status, 503);
    assert.equal(answer.body.status, 'degraded');
    assert.match(answer.body.checks.postgres, /^down: .*ECONNREFUSED/);
  });

  it('start() with migrations fails fast, naming the database but not its password', async () => {
    const started = performance.now();
    await assert.rejects(startService({ DATABASE_URL: REFUSED_URL }), (error: Error) => {
      assert.match(error.message, /cannot reach the users database at 127\.0\.0\.1:1\/users/);
      assert.doesNotMatch(error.message, /postgres:postgres/);
      return true;
    });
    assert.ok(performance.now() - started < 5000);
  });
});

describe('PostgreSQL accepts connections but never answers', () => {
  let silent: Server;
  const sockets = new Set<Socket>();
  let service: Service;
  before(async () => {
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    service = await startService({ DATABASE_URL: `postgres://postgres:postgres@127.0.0.1:${port}/users` }, { migrate: false });
  });
  after(async () => {
    await service.stop();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('answers 503 STORE_UNAVAILABLE after the 2 s connect timeout, not never', async () => {
    await assertFastUnavailable(service, 'GET', '/users/1');
    await assertFastUnavailable(service, 'POST', '/users', { email: uniqueEmail(), name: 'X', password: 'long enough password' });
  });

  it('/health answers 503 within 5 s', async () => {
    const started = performance.now();
    const answer = await call(service, 'GET', '/health');
    assert.equal(answer.status, 503);
    assert.match(answer.body.checks.postgres, /^down: /);
    assert.ok(performance.now() - started < 5000);
  });
});
