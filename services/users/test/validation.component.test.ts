// What the users service refuses, and how: every refusal is {error, code}
// with a 4xx, and nothing reaches the database.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { internalHeaders } from '@polyglot/platform/internal-secret';
import { call, cleanUp, directClient, startService, uniqueEmail, type Service } from './helpers.ts';

let service: Service;
let db: pg.Client;
let existingId: number;

before(async () => {
  service = await startService();
  db = await directClient();
  const created = await call(service, 'POST', '/users', { email: uniqueEmail(), name: 'Valid', password: 'long enough password' });
  assert.equal(created.status, 201);
  existingId = created.body.id;
});

after(async () => {
  await cleanUp(db);
  await db.end();
  await service.stop();
});

function assertError(answer: { status: number; body: any; text: string }, status: number, code: string): void {
  assert.equal(answer.status, status, answer.text);
  assert.equal(answer.body?.code, code, answer.text);
  assert.equal(typeof answer.body.error, 'string');
  assert.deepEqual(Object.keys(answer.body).sort(), ['code', 'error']);
}

describe('bodies', () => {
  it('malformed JSON → 400 MALFORMED_JSON', async () => {
    assertError(await call(service, 'POST', '/users', undefined, '{"email": "a@b.c", "name": '), 400, 'MALFORMED_JSON');
    assertError(await call(service, 'PUT', `/users/${existingId}`, undefined, '{not json}'), 400, 'MALFORMED_JSON');
    assertError(await call(service, 'POST', '/credentials/verify', undefined, "{'single': 'quotes'}"), 400, 'MALFORMED_JSON');
  });

  const invalidCreates: Array<[string, unknown]> = [
    ['missing password', { email: 'x@example.test', name: 'X' }],
    ['missing email', { name: 'X', password: 'long enough password' }],
    ['email not an email', { email: 'not-an-email', name: 'X', password: 'long enough password' }],
    ['email a number', { email: 42, name: 'X', password: 'long enough password' }],
    ['email an operator object', { email: { $ne: '' }, name: 'X', password: 'long enough password' }],
    ['unknown key $where', { email: 'x@example.test', name: 'X', password: 'long enough password', $where: '1' }],
    ['unknown key id', { id: 1, email: 'x@example.test', name: 'X', password: 'long enough password' }],
    ['unknown key hashed_password', { email: 'x@example.test', name: 'X', password: 'long enough password', hashed_password: '$argon2id$x' }],
    // The role is set only by ./stackctl admin grant|revoke, never by a body.
    ['unknown key role', { email: 'x@example.test', name: 'X', password: 'long enough password', role: 'admin' }],
    ['name empty after trimming', { email: 'x@example.test', name: '   ', password: 'long enough password' }],
    ['name too long', { email: 'x@example.test', name: 'n'.repeat(201), password: 'long enough password' }],
    ['name an array', { email: 'x@example.test', name: ['X'], password: 'long enough password' }],
    ['password too short', { email: 'x@example.test', name: 'X', password: 'short' }],
    ['password null', { email: 'x@example.test', name: 'X', password: null }],
    ['body an array', [{ email: 'x@example.test', name: 'X', password: 'long enough password' }]],
    ['body a string', 'hello'],
    ['body null', null],
  ];
  for (const [label, body] of invalidCreates) {
    it(`POST /users, ${label} → 400 VALIDATION_FAILED`, async () => {
      assertError(await call(service, 'POST', '/users', body), 400, 'VALIDATION_FAILED');
    });
  }

  it('PUT /users/:id with wrong types or unknown keys → 400 VALIDATION_FAILED', async () => {
    const cases: unknown[] = [
      { name: 'No email' },
      { email: uniqueEmail(), name: 'X', password: 'short' },
      { email: uniqueEmail(), name: 'X', password: 12345678 },
      { email: { $ne: '' }, name: 'X' },
      { email: uniqueEmail(), name: 'X', $set: { name: 'Y' } },
      { email: uniqueEmail(), name: 'X', role: 'admin' },
    ];
    for (const body of cases) assertError(await call(service, 'PUT', `/users/${existingId}`, body), 400, 'VALIDATION_FAILED');
  });

  it('POST /credentials/verify with operators or missing fields → 400 VALIDATION_FAILED', async () => {
    const cases: unknown[] = [{ email: { $ne: '' }, password: { $ne: '' } }, { email: 'x@example.test' }, { email: 'x@example.test', password: 'p', $where: '1' }, { email: 'x@example.test', password: '' }];
    for (const body of cases) assertError(await call(service, 'POST', '/credentials/verify', body), 400, 'VALIDATION_FAILED');
  });

  it('a NUL character, which PostgreSQL text cannot hold → 400 VALIDATION_FAILED, not 500', async () => {
    assertError(await call(service, 'POST', '/users', { email: uniqueEmail(), name: 'nul\u0000name', password: 'long enough password' }), 400, 'VALIDATION_FAILED');
  });

  it('a body over 64 KiB → 413 BODY_TOO_LARGE', async () => {
    const body = { email: uniqueEmail(), name: 'x'.repeat(70 * 1024), password: 'long enough password' };
    assertError(await call(service, 'POST', '/users', body), 413, 'BODY_TOO_LARGE');
  });

  it('a body that is not JSON → 415 UNSUPPORTED_MEDIA_TYPE, or 400 when it is plain text', async () => {
    const xml = await fetch(`${service.url}/users`, { method: 'POST', headers: { 'content-type': 'application/xml', ...internalHeaders() }, body: '<user/>' });
    assertError({ status: xml.status, text: '', body: await xml.json() }, 415, 'UNSUPPORTED_MEDIA_TYPE');
    // Fastify parses text/plain as a string, which the schema then refuses.
    const text = await fetch(`${service.url}/users`, { method: 'POST', headers: { 'content-type': 'text/plain', ...internalHeaders() }, body: 'hello' });
    assertError({ status: text.status, text: '', body: await text.json() }, 400, 'VALIDATION_FAILED');
  });
});

describe('ids', () => {
  // The digits of a positive number up to 2^53 - 1, as they are spelled: no sign, space or leading zero.
  for (const id of ['abc', '0', '-1', '1.5', '01', '1e3', '99999999999999999', '9007199254740992', '%2017', '%2B17', '17a']) {
    it(`id '${id}' → 400 on GET, PUT and DELETE`, async () => {
      assertError(await call(service, 'GET', `/users/${id}`), 400, 'VALIDATION_FAILED');
      assertError(await call(service, 'PUT', `/users/${id}`, { email: uniqueEmail(), name: 'X' }), 400, 'VALIDATION_FAILED');
      assertError(await call(service, 'DELETE', `/users/${id}`), 400, 'VALIDATION_FAILED');
    });
  }

  for (const ids of ['abc', '0', '1,,2', '1,', ',1', '1;2', '1, 2', '-3', '', '9999999999999999']) {
    it(`GET /users?ids=${ids} → 400 VALIDATION_FAILED`, async () => {
      assertError(await call(service, 'GET', `/users?ids=${encodeURIComponent(ids)}`), 400, 'VALIDATION_FAILED');
    });
  }

  it('GET /users with more than 500 ids → 400 VALIDATION_FAILED', async () => {
    const ids = Array.from({ length: 501 }, (_, i) => i + 1).join(',');
    const answer = await call(service, 'GET', `/users?ids=${ids}`);
    assertError(answer, 400, 'VALIDATION_FAILED');
    assert.match(answer.body.error, /at most 500/);
  });

  it('GET /users with ids given twice or an unknown parameter → 400 VALIDATION_FAILED', async () => {
    assertError(await call(service, 'GET', '/users?ids=1&ids=2'), 400, 'VALIDATION_FAILED');
    assertError(await call(service, 'GET', '/users?where=1'), 400, 'VALIDATION_FAILED');
  });
});

describe('routes', () => {
  it('an unknown route → 404 ROUTE_NOT_FOUND', async () => {
    assertError(await call(service, 'GET', '/nope'), 404, 'ROUTE_NOT_FOUND');
  });

  it('the users table still holds the user made before the refusals', async () => {
    const answer = await call(service, 'GET', `/users/${existingId}`);
    assert.equal(answer.status, 200);
    assert.equal(answer.body.name, 'Valid');
  });
});
