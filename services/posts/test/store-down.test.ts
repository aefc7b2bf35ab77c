// A store that does not answer: every request is a quick 503 naming it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bootPosts, call, type TestService } from './helpers.ts';

const MESSAGE = 'the posts store (MongoDB wire) is unavailable; try again shortly';

let svc: TestService;
before(async () => {
  svc = await bootPosts({}, 'mongodb://127.0.0.1:1/posts');
});
after(async () => {
  await svc?.close();
});

test('reads and writes answer 503 STORE_UNAVAILABLE within the 2 s selection timeout', async () => {
  const id = 'a'.repeat(24);
  const requests: Array<[string, string, unknown?]> = [
    ['GET', `/posts/${id}`],
    ['GET', '/posts'],
    ['POST', '/posts', { author_id: 1, title: 't', body: 'b' }],
    ['POST', `/posts/${id}/like`, {}],
    ['DELETE', `/posts/${id}`],
  ];
  const answers = await Promise.all(requests.map(([method, path, body]) => call(svc.base, method, path, body)));
  for (const [i, answer] of answers.entries()) {
    assert.equal(answer.status, 503, requests[i]?.join(' '));
    assert.deepEqual(answer.body, { error: MESSAGE, code: 'STORE_UNAVAILABLE' });
    assert.ok(answer.ms < 3500, `${requests[i]?.join(' ')} took ${answer.ms} ms`);
  }
});

test('health is 503 degraded', async () => {
  const res = await call(svc.base, 'GET', '/health');
  assert.equal(res.status, 503);
  assert.equal(res.body.status, 'degraded');
  assert.deepEqual(res.body.checks, { mongo: 'down' });
  assert.equal(res.body.code, 'STORE_UNAVAILABLE');
  assert.equal(res.body.error, MESSAGE);
  assert.ok(res.ms < 3500);
});

test('validation still answers 400 without the store', async () => {
  const res = await call(svc.base, 'GET', '/posts/nope');
  assert.equal(res.status, 400);
});
