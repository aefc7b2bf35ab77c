// The users service answers only the project's own processes: every call
// needs the internal secret, so POST /credentials/verify cannot be used to
// guess passwords around the gateway's login rate limit, and a page in a
// browser (which cannot add the header without a preflight this service
// refuses) or a DNS-rebinding page gets nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type pg from 'pg';
import { internalHeaders } from '@polyglot/platform/internal-secret';
import { rawRequest } from '@polyglot/platform/test-fixtures/raw-http';
import { call, cleanUp, directClient, startService, uniqueEmail, type Service } from './helpers.ts';

let service: Service;
let db: pg.Client;
let host: string;
const password = 'correct horse battery';

before(async () => {
  service = await startService();
  db = await directClient();
  host = `127.0.0.1:${service.port}`;
});

after(async () => {
  await cleanUp(db);
  await db.end();
  await service.stop();
});

describe('the internal secret', () => {
  test('POST /credentials/verify without it is 401 INTERNAL_AUTH_REQUIRED, right password or not; with it, the user', async () => {
    const email = uniqueEmail('verify');
    const created = await call(service, 'POST', '/users', { email, name: 'Verify Me', password });
    assert.equal(created.status, 201, created.text);
    const body = JSON.stringify({ email, password });
    for (const headers of [{}, internalHeaders('0'.repeat(64))]) {
      const r = await rawRequest(service.port, 'POST', '/credentials/verify', { host, 'content-type': 'application/json', ...headers }, body);
      assert.equal(r.status, 401, JSON.stringify(r.body));
      assert.equal(r.body.code, 'INTERNAL_AUTH_REQUIRED');
      assert.equal(r.body.user, undefined);
    }
    const verified = await call(service, 'POST', '/credentials/verify', { email, password });
    assert.equal(verified.status, 200, verified.text);
    assert.equal(verified.body.email, email);
    assert.equal((await call(service, 'DELETE', `/users/${created.body.id}`)).status, 204);
  });

  test('/health and every other route need it too', async () => {
    for (const [method, path] of [['GET', '/health'], ['GET', '/users'], ['DELETE', '/users/1'], ['GET', '/openapi.json']] as const) {
      const r = await rawRequest(service.port, method, path, { host });
      assert.equal(r.status, 401, `${method} ${path}`);
      assert.equal(r.body.code, 'INTERNAL_AUTH_REQUIRED');
    }
    assert.equal((await rawRequest(service.port, 'GET', '/health', { host, ...internalHeaders() })).status, 200);
  });

  test('a foreign Host is 403 HOST_NOT_ALLOWED, even with the secret', async () => {
    const r = await rawRequest(service.port, 'GET', '/health', { host: `rebind.evil.example:${service.port}`, ...internalHeaders() });
    assert.equal(r.status, 403);
    assert.equal(r.body.code, 'HOST_NOT_ALLOWED');
  });
});
