// Sessions, login rate limits and AUTH_REQUIRED, against the real users
// service (it checks the passwords), posts and graph services, and Redis.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sessionKey } from '@polyglot/contracts/cache-keys';
import type { RunningGateway } from '../src/app.ts';
import { loginAttemptsKey } from '../src/data-access/login-attempts.store.ts';
import { tokenHash } from '../src/data-access/session.store.ts';
import { bearer, call, DOWN_URL, stateRedisClient, startGateway, startStack, uniqueEmail, type Stack } from './support.ts';

const stack: Stack = await startStack({ services: ['users', 'posts', 'graph'] });
const base = stack.url;
// Sessions and login counters are state: they live in the state instance.
const redis = stateRedisClient();
const users: number[] = [];
const extraGateways: RunningGateway[] = [];

after(async () => {
  for (const id of users) await call(base, 'DELETE', `/users/${id}`).catch(() => undefined);
  for (const g of extraGateways) await g.stop();
  redis.disconnect();
  await stack.stop();
});

const PASSWORD = 'correct horse battery';

async function newUser(name: string): Promise<{ id: number; name: string; email: string }> {
  const r = await call(base, 'POST', '/users', { email: uniqueEmail(name), name, password: PASSWORD });
  assert.equal(r.status, 201, r.text);
  users.push(r.body.id);
  return r.body;
}

async function gatewayWith(env: Record<string, string>): Promise<string> {
  const g = await startGateway({ USERS_URL: stack.services.users!, POSTS_URL: stack.services.posts ?? DOWN_URL, GRAPH_URL: stack.services.graph ?? DOWN_URL, ...env });
  extraGateways.push(g);
  return `http://127.0.0.1:${g.port}`;
}

async function logIn(url: string, email: string, password = PASSWORD): Promise<string> {
  const r = await call(url, 'POST', '/auth/login', { email, password });
  assert.equal(r.status, 200, r.text);
  return r.body.token;
}

describe('sessions', () => {
  let user: { id: number; name: string; email: string };
  before(async () => {
    user = await newUser('Sam');
  });

  test('POST /auth/login answers {token, expiresAt, user}; the session lives in Redis, under the token\'s hash, with the TTL', async () => {
    const r = await call(base, 'POST', '/auth/login', { email: user.email, password: PASSWORD });
    assert.equal(r.status, 200, r.text);
    assert.match(r.body.token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(r.body.user.id, user.id);
    assert.doesNotMatch(r.text, /password|hash/);
    const expires = Date.parse(r.body.expiresAt) - Date.now();
    assert.ok(expires > 86_000_000 && expires <= 86_400_000, `expires in ${expires} ms`);
    assert.equal(await redis.get(sessionKey(tokenHash(r.body.token))), String(user.id));
    assert.equal(await redis.exists(sessionKey(r.body.token)), 0, 'the token itself is no key');
    const ttl = await redis.ttl(sessionKey(tokenHash(r.body.token)));
    assert.ok(ttl > 86_000 && ttl <= 86_400);
  });

  test('GET /auth/me answers the user of the token; without a valid token 401 UNAUTHENTICATED', async () => {
    const token = await logIn(base, user.email);
    const me = await call(base, 'GET', '/auth/me', undefined, { headers: bearer(token) });
    assert.equal(me.status, 200);
    assert.equal(me.body.id, user.id);
    for (const headers of [{}, bearer('x'.repeat(43)), bearer('not a token'), { authorization: `Basic ${token}` }]) {
      const r = await call(base, 'GET', '/auth/me', undefined, { headers });
      assert.equal(r.status, 401, JSON.stringify(headers));
      assert.equal(r.body.code, 'UNAUTHENTICATED');
    }
  });

  test('POST /auth/logout answers 204 and ends the session', async () => {
    const token = await logIn(base, user.email);
    const out = await call(base, 'POST', '/auth/logout', undefined, { headers: bearer(token) });
    assert.equal(out.status, 204);
    assert.equal(await redis.exists(sessionKey(tokenHash(token))), 0);
    assert.equal((await call(base, 'GET', '/auth/me', undefined, { headers: bearer(token) })).status, 401);
    assert.equal((await call(base, 'POST', '/auth/logout')).status, 401);
  });

  test('a wrong password or an unknown email is 401 INVALID_CREDENTIALS; operators are 400', async () => {
    const wrong = await call(base, 'POST', '/auth/login', { email: user.email, password: 'not the password' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.code, 'INVALID_CREDENTIALS');
    const unknown = await call(base, 'POST', '/auth/login', { email: uniqueEmail('nobody'), password: PASSWORD });
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.code, 'INVALID_CREDENTIALS');
    for (const body of [{ email: user.email, password: { $ne: null } }, { email: { $gt: '' }, password: 'x' }, { email: user.email, password: 'x', $where: '1' }]) {
      assert.equal((await call(base, 'POST', '/auth/login', body)).status, 400, JSON.stringify(body));
    }
  });

  test('a deleted user loses their session', async () => {
    const temp = await newUser('Temp');
    const token = await logIn(base, temp.email);
    assert.equal((await call(base, 'DELETE', `/users/${temp.id}`)).status, 204);
    assert.equal((await call(base, 'GET', '/auth/me', undefined, { headers: bearer(token) })).status, 401);
    assert.equal(await redis.exists(sessionKey(tokenHash(token))), 0);
  });
});

describe('login rate limits', () => {
  test('too many attempts for one email: 429 RATE_LIMITED with Retry-After, even with the right password', async () => {
    const url = await gatewayWith({ LOGIN_MAX_PER_EMAIL: '3' });
    const user = await newUser('Target');
    for (let i = 0; i < 3; i++) assert.equal((await call(url, 'POST', '/auth/login', { email: user.email, password: `guess ${i}` })).status, 401);
    const limited = await call(url, 'POST', '/auth/login', { email: user.email.toUpperCase(), password: PASSWORD });
    assert.equal(limited.status, 429);
    assert.equal(limited.body.code, 'RATE_LIMITED');
    assert.match(limited.body.error, /^too many login attempts; try again in \d+ s$/);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 60);
    await redis.del(loginAttemptsKey('email', user.email.toLowerCase()));
  });

  test('too many attempts from one address: 429 whatever the email', async () => {
    const address = loginAttemptsKey('address', '127.0.0.1');
    const saved = await redis.get(address);
    await redis.del(address);
    try {
      const url = await gatewayWith({ LOGIN_MAX_PER_ADDRESS: '4' });
      for (let i = 0; i < 4; i++) assert.equal((await call(url, 'POST', '/auth/login', { email: uniqueEmail('spray'), password: 'guess' })).status, 401);
      const limited = await call(url, 'POST', '/auth/login', { email: uniqueEmail('spray'), password: 'guess' });
      assert.equal(limited.status, 429);
      assert.equal(limited.body.code, 'RATE_LIMITED');
    } finally {
      await redis.del(address);
      if (saved !== null) await redis.set(address, saved, 'EX', 60);
    }
  });
});

describe('AUTH_REQUIRED on', () => {
  let url: string;
  let me: { id: number; email: string };
  let other: { id: number; email: string };
  let token: string;
  let otherPost: string;
  before(async () => {
    url = await gatewayWith({ AUTH_REQUIRED: 'true' });
    me = await newUser('Me');
    other = await newUser('Other');
    token = await logIn(url, me.email);
    const r = await call(url, 'POST', '/posts', { author_id: other.id, title: 'theirs', body: 'b' }, { headers: bearer(await logIn(url, other.email)) });
    assert.equal(r.status, 201, r.text);
    otherPost = r.body._id;
  });
  after(async () => {
    await call(base, 'DELETE', `/posts/${otherPost}`).catch(() => undefined);
  });

  test('creating an account and logging in stay open; reads need no session', async () => {
    const r = await call(url, 'POST', '/users', { email: uniqueEmail('open'), name: 'Open', password: PASSWORD });
    assert.equal(r.status, 201);
    users.push(r.body.id);
    assert.equal((await call(url, 'GET', '/posts?limit=1')).status, 200);
    assert.equal((await call(url, 'GET', `/users/${me.id}`)).status, 200);
  });

  test('every other write without a session is 401 UNAUTHENTICATED "log in first"', async () => {
    for (const [method, path, body] of [
      ['POST', '/posts', { author_id: me.id, title: 't', body: 'b' }],
      ['PUT', `/users/${me.id}`, { email: me.email, name: 'x' }],
      ['DELETE', `/users/${me.id}`, undefined],
      ['PUT', `/posts/${otherPost}`, { title: 'x' }],
      ['DELETE', `/posts/${otherPost}`, undefined],
      ['POST', `/posts/${otherPost}/like`, undefined],
      ['POST', `/posts/${otherPost}/comments`, { author_id: me.id, body: 'x' }],
      ['POST', '/follow', { followerId: me.id, followeeId: other.id }],
      ['DELETE', '/follow', { followerId: me.id, followeeId: other.id }],
      ['POST', '/auth/logout', undefined],
    ] as const) {
      const r = await call(url, method, path, body);
      assert.equal(r.status, 401, `${method} ${path}: ${r.text}`);
      assert.deepEqual(r.body, { error: 'log in first: POST /auth/login', code: 'UNAUTHENTICATED' });
    }
  });

  test("someone else's data is 403 FORBIDDEN; one's own is allowed", async () => {
    const h = { headers: bearer(token) };
    const forbidden: Array<[string, string, unknown]> = [
      ['PUT', `/users/${other.id}`, { email: other.email, name: 'hijacked' }],
      ['DELETE', `/users/${other.id}`, undefined],
      ['POST', '/posts', { author_id: other.id, title: 't', body: 'b' }],
      ['PUT', `/posts/${otherPost}`, { title: 'hijacked' }],
      ['DELETE', `/posts/${otherPost}`, undefined],
      ['POST', `/posts/${otherPost}/comments`, { author_id: other.id, body: 'x' }],
      ['POST', `/posts/${otherPost}/like`, { userId: other.id }],
      ['POST', '/follow', { followerId: other.id, followeeId: me.id }],
      ['DELETE', '/follow', { followerId: other.id, followeeId: me.id }],
    ];
    for (const [method, path, body] of forbidden) {
      const r = await call(url, method, path, body, h);
      assert.equal(r.status, 403, `${method} ${path}: ${r.text}`);
      assert.equal(r.body.code, 'FORBIDDEN');
    }

    assert.equal((await call(url, 'PUT', `/users/${me.id}`, { email: me.email, name: 'Me Renamed' }, h)).status, 200);
    const mine = await call(url, 'POST', '/posts', { author_id: me.id, title: 'mine', body: 'b' }, h);
    assert.equal(mine.status, 201);
    assert.equal((await call(url, 'PUT', `/posts/${mine.body._id}`, { title: 'mine, changed' }, h)).status, 200);
    assert.equal((await call(url, 'POST', `/posts/${otherPost}/comments`, { author_id: me.id, body: 'hi' }, h)).status, 201);
    const liked = await call(url, 'POST', `/posts/${otherPost}/like`, undefined, h);
    assert.equal(liked.status, 200);
    const follow = await call(url, 'POST', '/follow', { followerId: me.id, followeeId: other.id }, h);
    assert.equal(follow.status, 201);
    assert.equal((await call(url, 'DELETE', '/follow', { followerId: me.id, followeeId: other.id }, h)).status, 204);
    assert.equal((await call(url, 'DELETE', `/posts/${mine.body._id}`, undefined, h)).status, 204);
  });
});
