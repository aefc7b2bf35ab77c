// /users through the gateway, against the real users service and PostgreSQL,
// and the profile cache the cache projection keeps in the real Redis.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { userKey } from '@polyglot/contracts/cache-keys';
import { waitFor } from '@polyglot/platform/wait-for';
import { call, redisClient, startGateway, startStack, uniqueEmail, unique, type Stack } from './support.ts';

const stack: Stack = await startStack({ services: ['users', 'cacheProjection'] });
const base = stack.url;
const redis = redisClient();
const created: number[] = [];

after(async () => {
  for (const id of created) await call(base, 'DELETE', `/users/${id}`).catch(() => undefined);
  redis.disconnect();
  await stack.stop();
});

describe('users', () => {
  let user: { id: number; email: string; name: string };
  before(async () => {
    const r = await call(base, 'POST', '/users', { email: uniqueEmail('alice'), name: 'Alice', password: 'correct horse' });
    assert.equal(r.status, 201, r.text);
    user = r.body;
    created.push(user.id);
  });

  test('POST /users answers 201 User with an x-consistency-token and never the password', async () => {
    const r = await call(base, 'POST', '/users', { email: uniqueEmail('bob'), name: 'Bob', password: 'correct horse' });
    assert.equal(r.status, 201);
    created.push(r.body.id);
    assert.deepEqual(Object.keys(r.body).sort(), ['consistency', 'created_at', 'email', 'id', 'name', 'updated_at']);
    assert.match(r.headers.get('x-consistency-token') ?? '', new RegExp(`^users:${r.body.id}:[0-9]+$`));
    assert.deepEqual(r.body.consistency, { token: r.headers.get('x-consistency-token'), mode: 'eventual' });
    assert.doesNotMatch(r.text, /correct horse|hash/);
  });

  test('GET /users is a bare array that contains the new user; GET /users/:id is that user', async () => {
    const list = await call(base, 'GET', `/users?after=${user.id - 1}`);
    assert.equal(list.status, 200);
    assert.ok(Array.isArray(list.body));
    assert.ok(list.body.some((u: { id: number }) => u.id === user.id));
    const one = await call(base, 'GET', `/users/${user.id}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.email, user.email);
  });

  test('PUT /users/:id changes the user and answers a consistency token', async () => {
    const r = await call(base, 'PUT', `/users/${user.id}`, { email: user.email, name: 'Alice Renamed' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.name, 'Alice Renamed');
    assert.match(r.headers.get('x-consistency-token') ?? '', /\S/);
  });

  test('GET /users/:id is the profile the pipeline cached; with the token, consistency=strong or X-Consistency: strong it is PostgreSQL’s', async () => {
    const r = await call(base, 'POST', '/users', { email: uniqueEmail('dora'), name: 'Dora', password: 'correct horse' });
    assert.equal(r.status, 201, r.text);
    created.push(r.body.id);
    const id: number = r.body.id;
    const token = r.headers.get('x-consistency-token')!;
    const source = (await call(base, 'GET', `/users/${id}?token=${encodeURIComponent(token)}`)).body;
    assert.deepEqual(Object.keys(source).sort(), ['created_at', 'email', 'id', 'name', 'updated_at']);
    // The cache projection writes the profile with its source position, every field the source gives.
    await waitFor('the projected profile', async () => JSON.parse((await redis.get(userKey(id))) ?? '{"position":0}').position > 0);
    assert.deepEqual((await call(base, 'GET', `/users/${id}`)).body, source);

    // A mark in the cached profile shows where each read came from.
    const cached = JSON.parse((await redis.get(userKey(id)))!);
    await redis.set(userKey(id), JSON.stringify({ ...cached, name: 'served from the cache' }));
    assert.equal((await call(base, 'GET', `/users/${id}`)).body.name, 'served from the cache');
    assert.equal((await call(base, 'GET', `/users/${id}?consistency=eventual`)).body.name, 'served from the cache');
    for (const fromSource of [`/users/${id}?consistency=strong`, `/users/${id}?token=${encodeURIComponent(token)}`]) assert.equal((await call(base, 'GET', fromSource)).body.name, 'Dora', fromSource);
    assert.equal((await call(base, 'GET', `/users/${id}`, undefined, { headers: { 'x-consistency': 'strong' } })).body.name, 'Dora');
    assert.equal((await call(base, 'GET', `/users/${id}`, undefined, { headers: { 'x-consistency-token': token } })).body.name, 'Dora');
    const bad = await call(base, 'GET', `/users/${id}?consistency=linearizable`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'VALIDATION_FAILED');

    // A miss is read from the source and filled; the next change replaces the fill.
    await redis.del(userKey(id));
    assert.equal((await call(base, 'GET', `/users/${id}`)).body.name, 'Dora');
    assert.equal(JSON.parse((await redis.get(userKey(id)))!).name, 'Dora');
    const renamed = await call(base, 'PUT', `/users/${id}`, { email: source.email, name: 'Dora Renamed' });
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal((await call(base, 'GET', `/users/${id}?token=${encodeURIComponent(renamed.headers.get('x-consistency-token')!)}`)).body.name, 'Dora Renamed');
    await waitFor('the renamed profile in the cache', async () => (await call(base, 'GET', `/users/${id}`)).body.name === 'Dora Renamed');
  });

  test("the users service's errors pass through unchanged: 404 USER_NOT_FOUND, 409 EMAIL_TAKEN", async () => {
    const missing = await call(base, 'GET', '/users/999999999999');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'USER_NOT_FOUND');
    const direct = await call(stack.services.users!, 'GET', '/users/999999999999');
    assert.deepEqual(missing.body, direct.body);
    const taken = await call(base, 'POST', '/users', { email: user.email.toUpperCase(), name: 'Copy', password: 'correct horse' });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.code, 'EMAIL_TAKEN');
    const put = await call(base, 'PUT', '/users/999999999999', { email: uniqueEmail('ghost'), name: 'Ghost' });
    assert.equal(put.status, 404);
  });

  test('DELETE /users/:id answers 204, then the user is gone', async () => {
    const r = await call(base, 'POST', '/users', { email: uniqueEmail('carol'), name: 'Carol', password: 'correct horse' });
    const del = await call(base, 'DELETE', `/users/${r.body.id}`);
    assert.equal(del.status, 204);
    assert.equal(del.text, '');
    assert.equal((await call(base, 'GET', `/users/${r.body.id}?consistency=strong`)).status, 404);
    await waitFor('the profile gone from the cache', async () => (await call(base, 'GET', `/users/${r.body.id}`)).status === 404);
    assert.equal((await call(base, 'DELETE', `/users/${r.body.id}`)).status, 404);
  });

  test('SQL, Cypher and operator look-alikes in names are stored verbatim; operators in fields are rejected', async () => {
    for (const name of ["Robert'); DROP TABLE users;--", '}) MATCH (n) DETACH DELETE n //', '{"$ne": null}', `${unique('x')} $where`]) {
      const r = await call(base, 'POST', '/users', { email: uniqueEmail('inj'), name, password: 'correct horse' });
      assert.equal(r.status, 201, r.text);
      created.push(r.body.id);
      assert.equal((await call(base, 'GET', `/users/${r.body.id}`)).body.name, name);
    }
    const operator = await call(base, 'POST', '/users', { email: uniqueEmail('op'), name: { $ne: null }, password: 'correct horse' });
    assert.equal(operator.status, 400);
  });
});

describe('GET /users is a page at most', () => {
  test('LIST_LIMIT rows by id (or newest first), a Link to the next page that goes on where it stopped; ?limit, ?after and ?order are checked', async () => {
    const ids: number[] = [];
    for (const name of ['Page1', 'Page2', 'Page3']) {
      const r = await call(base, 'POST', '/users', { email: uniqueEmail(name), name, password: 'correct horse' });
      assert.equal(r.status, 201, r.text);
      ids.push(r.body.id);
      created.push(r.body.id);
    }
    const capped = await startGateway({ USERS_URL: stack.services.users!, LIST_LIMIT: '2' });
    try {
      const url = `http://127.0.0.1:${capped.port}`;
      const whole = await call(url, 'GET', '/users');
      assert.equal(whole.body.length, 2, 'without ?limit, LIST_LIMIT rows');
      assert.match(whole.headers.get('link') ?? '', /rel="next"/);
      const first = await call(url, 'GET', `/users?after=${ids[0]! - 1}`);
      assert.deepEqual(first.body.map((u: { id: number }) => u.id), ids.slice(0, 2));
      const next = new URL(/^<([^>]+)>; rel="next"$/.exec(first.headers.get('link') ?? '')![1]!);
      assert.deepEqual([next.pathname, next.searchParams.get('after'), next.searchParams.get('limit')], ['/users', String(ids[1]), '2']);
      const second = await call(url, 'GET', `${next.pathname}${next.search}`);
      assert.equal(second.body[0].id, ids[2]);
      const last = await call(url, 'GET', `/users?after=${ids[2]}&limit=1`);
      if (last.body.length === 0) assert.equal(last.headers.get('link'), null, 'no Link on the last page');
      // Newest first: the latest sign-ups lead, and the Link keeps the order.
      const newest = await call(url, 'GET', `/users?order=newest&after=${ids[2]! + 1}`);
      assert.deepEqual(newest.body.map((u: { id: number }) => u.id), [ids[2], ids[1]]);
      const older = new URL(/^<([^>]+)>; rel="next"$/.exec(newest.headers.get('link') ?? '')![1]!);
      assert.deepEqual([older.searchParams.get('after'), older.searchParams.get('order')], [String(ids[1]), 'newest']);
      assert.equal((await call(url, 'GET', `${older.pathname}${older.search}`)).body[0].id, ids[0]);
      for (const q of ['limit=0', 'limit=10001', 'limit=x', 'after=-1', 'after=abc', 'other=1', 'order=oldest']) {
        const bad = await call(url, 'GET', `/users?${q}`);
        assert.equal(bad.status, 400, q);
        assert.equal(bad.body.code, 'VALIDATION_FAILED', q);
      }
    } finally {
      await capped.stop();
    }
  });
});
