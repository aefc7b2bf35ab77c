// The gateway's request limit (rate-limit.ts), counted in the real state
// Redis: past RATE_LIMIT_MAX a client gets 429 RATE_LIMITED with retry-after,
// REST and GraphQL alike. A client is its session when it has a valid one,
// else its address; the project's own processes (the internal secret) have
// their own limit, none by default; RATE_LIMIT=off turns it all off.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { internalHeaders } from '@polyglot/platform/internal-secret';
import type { RunningGateway } from '../src/app.ts';
import { createSessionStore } from '../src/data-access/session.store.ts';
import { RATE_LIMIT_PREFIX } from '../src/entry-points/rate-limit.ts';
import { startGateway, stateRedisClient } from './support.ts';

const MAX = 5;
const INTERNAL_MAX = 3;
// A window of its own: these counters are not those of any other gateway (the stack's runs with 1200 per 60 s).
const WINDOW_S = 59;

async function get(base: string, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${path}`, { headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: text ? JSON.parse(text) : undefined };
}

async function clearCounters(redis: Redis): Promise<void> {
  const keys = await redis.keys(`${RATE_LIMIT_PREFIX}${WINDOW_S}s:*`);
  if (keys.length > 0) await redis.del(...keys);
}

describe('rate limits', () => {
  let state: Redis;
  let limited: RunningGateway;
  let internalLimited: RunningGateway;
  let off: RunningGateway;
  const token = randomBytes(32).toString('base64url');

  before(async () => {
    state = stateRedisClient();
    await clearCounters(state);
    // A session as POST /auth/login makes it (the user need not exist for the limit).
    await createSessionStore(state).create(token, 987_654_321, 300);
    const env = { RATE_LIMIT_MAX: String(MAX), RATE_LIMIT_WINDOW_S: String(WINDOW_S) };
    limited = await startGateway(env);
    internalLimited = await startGateway({ ...env, RATE_LIMIT_INTERNAL_MAX: String(INTERNAL_MAX) });
    off = await startGateway({ ...env, RATE_LIMIT: 'off' });
  });
  after(async () => {
    await Promise.all([limited?.stop(), internalLimited?.stop(), off?.stop()]);
    await createSessionStore(state).remove(token);
    await clearCounters(state);
    state?.disconnect();
  });

  const url = (g: RunningGateway) => `http://127.0.0.1:${g.port}`;

  test('an address past the limit gets 429 RATE_LIMITED with retry-after, on REST and GraphQL', async () => {
    for (let i = 1; i <= MAX; i++) {
      const ok = await get(url(limited), '/cache-status');
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.headers.get('x-ratelimit-limit'), String(MAX));
      assert.equal(ok.headers.get('x-ratelimit-remaining'), String(MAX - i));
      assert.equal(ok.headers.get('ratelimit-policy'), `${MAX};w=${WINDOW_S}`);
    }
    const refused = await get(url(limited), '/cache-status');
    assert.equal(refused.status, 429, refused.text);
    assert.equal(refused.body.code, 'RATE_LIMITED');
    assert.match(refused.body.error, new RegExp(`the address 127\\.0\\.0\\.1 may make ${MAX} per ${WINDOW_S} s; try again in`));
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= WINDOW_S, `retry-after: ${refused.headers.get('retry-after')}`);

    const response = await fetch(`${url(limited)}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ cacheStatus { keys } }' }) });
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    assert.equal(response.status, 429);
    assert.equal(body.errors[0]!.extensions.code, 'RATE_LIMITED');
    assert.ok(Number(response.headers.get('retry-after')) > 0);

    // A made-up token is no session: it counts against the address.
    const madeUp = await get(url(limited), '/cache-status', { authorization: `Bearer ${randomBytes(32).toString('base64url')}` });
    assert.equal(madeUp.status, 429, madeUp.text);
  });

  test('a session has a counter of its own', async () => {
    for (let i = 0; i < MAX; i++) assert.equal((await get(url(limited), '/cache-status', { authorization: `Bearer ${token}` })).status, 200);
    const refused = await get(url(limited), '/cache-status', { authorization: `Bearer ${token}` });
    assert.equal(refused.status, 429, refused.text);
    assert.match(refused.body.error, /this session may make/);
  });

  test("the project's own processes are not limited by default, and have their own limit when one is set", async () => {
    for (let i = 0; i < MAX * 3; i++) {
      const ok = await get(url(limited), '/cache-status', internalHeaders());
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.headers.get('x-ratelimit-limit'), null, 'no limit applies: none is announced');
    }
    for (let i = 0; i < INTERNAL_MAX; i++) {
      const ok = await get(url(internalLimited), '/cache-status', internalHeaders());
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.headers.get('ratelimit-policy'), `${INTERNAL_MAX};w=${WINDOW_S}`);
    }
    const refused = await get(url(internalLimited), '/cache-status', internalHeaders());
    assert.equal(refused.status, 429, refused.text);
    assert.match(refused.body.error, /the stack's own processes may make 3/);
  });

  test('RATE_LIMIT=off: no limit at all', async () => {
    for (let i = 0; i < MAX * 2; i++) {
      const ok = await get(url(off), '/cache-status');
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.headers.get('x-ratelimit-limit'), null);
    }
  });
});
