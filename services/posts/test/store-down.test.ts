// A store that does not answer: every request is a quick 503 naming it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { consumerGroups, topics } from '@polyglot/contracts/topics';
import { createProducer, type StringProducer } from '@polyglot/platform/kafka';
import { waitFor } from '@polyglot/platform/wait-for';
import { deleteTestGroups, testGroupAtEnd } from '@polyglot/platform/test-fixtures/consumer-group';
import { runCli } from '@polyglot/stack/test-fixtures/run-cli';
import { bootPosts, call, testUserId, type TestService } from './helpers.ts';

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
    ['GET', `/internal/posts?ids=${'a'.repeat(24)}`],
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

// FerretDB's own PostgreSQL (ferretdb-store) killed: FerretDB still answers the
// wire protocol, but every command fails inside it. That is the store being
// unavailable, not a bug: 503 STORE_UNAVAILABLE naming it, and the user
// cascade waits for it (past its retry budget, shortened here) and dead-letters
// nothing; once the store is back the deleted user's posts are deleted.
describe('with FerretDB’s own PostgreSQL (ferretdb-store) killed', () => {
  let live: TestService;
  let producer: StringProducer;
  let cascadeGroup: string;
  const saved = { attempts: process.env.CONSUMER_MAX_ATTEMPTS, backoff: process.env.CONSUMER_MAX_BACKOFF_MS };

  before(async () => {
    cascadeGroup = await testGroupAtEnd(consumerGroups.postsUserCascade, [topics.userChanges]);
    // A retry budget of two quick tries: the outage below outlasts it many times over.
    process.env.CONSUMER_MAX_ATTEMPTS = '2';
    process.env.CONSUMER_MAX_BACKOFF_MS = '10';
    live = await bootPosts({ CONSUMERS: 'on', USER_CASCADE_GROUP: cascadeGroup });
    producer = createProducer('posts-store-down-test');
    await waitFor('the cascade consumer to run', async () => (await call(live.base, 'GET', '/health')).body.userCascade?.running === true, { timeoutMs: 30_000 });
  });

  after(async () => {
    restore('CONSUMER_MAX_ATTEMPTS', saved.attempts);
    restore('CONSUMER_MAX_BACKOFF_MS', saved.backoff);
    await producer?.close();
    await live?.close();
    await deleteTestGroups(cascadeGroup).catch(() => undefined);
  });

  test('reads and writes answer 503 naming the store; a USER_DELETED waits for it and is applied once it is back', async () => {
    const author = testUserId();
    const doomed = await call(live.base, 'POST', '/posts', { author_id: author, title: 'goes with its author', body: 'b' });
    assert.equal(doomed.status, 201);
    const killed = await runCli(['kill', 'ferretdb-store']);
    assert.equal(killed.code, 0, killed.stderr);
    try {
      const answers = await Promise.all([call(live.base, 'GET', `/internal/posts?ids=${'a'.repeat(24)}`), call(live.base, 'POST', '/posts', { author_id: author, title: 't', body: 'b' })]);
      for (const answer of answers) {
        assert.equal(answer.status, 503, JSON.stringify(answer.body));
        assert.deepEqual(answer.body, { error: MESSAGE, code: 'STORE_UNAVAILABLE' });
      }

      await producer.send({ messages: [{ topic: topics.userChanges, key: JSON.stringify({ id: author }), value: debeziumDelete(author) }] });
      const waiting = await waitFor('the cascade to wait for the store', async () => (await call(live.base, 'GET', '/health')).body.userCascade?.waitingForStore, { timeoutMs: 30_000 });
      assert.match(waiting.since, /^\d{4}-/);
      // Three seconds of waiting: over a hundred times the budget of two tries 10 ms apart.
      await waitFor('three seconds of waiting', () => Date.now() - Date.parse(waiting.since) > 3000, { timeoutMs: 10_000, intervalMs: 200 });
      const health = await call(live.base, 'GET', '/health');
      assert.equal(health.status, 503);
      assert.equal(health.body.userCascade.deadLettered, 0, 'a store that is down dead-letters nothing');
      assert.ok(health.body.userCascade.waitingForStore, 'still waiting');
    } finally {
      const started = await runCli(['start', 'ferretdb-store']);
      assert.equal(started.code, 0, started.stderr);
    }
    await waitFor('the posts store to answer', async () => (await call(live.base, 'GET', '/health')).status === 200, { timeoutMs: 60_000 });
    await waitFor('the author’s posts to be deleted', async () => (await live.stored(doomed.body._id as string)) === null, { timeoutMs: 60_000 });
    // The post is deleted inside the handler; the loop clears its wait once the handler has returned.
    const health = await waitFor('the cascade to stop waiting for the store', async () => {
      const answer = await call(live.base, 'GET', '/health');
      return answer.body.userCascade?.waitingForStore === null ? answer : null;
    }, { timeoutMs: 30_000 });
    assert.equal(health.body.userCascade.deadLettered, 0);
    assert.equal((await call(live.base, 'GET', `/posts/${doomed.body._id as string}`)).status, 404);
  });
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

function debeziumDelete(id: number): string {
  const now = Date.now();
  return JSON.stringify({
    before: { id, email: `gone-${id}@example.test`, name: 'Gone', created_at: now - 60_000, updated_at: now },
    after: null,
    source: { lsn: 9_000_000_000 + id, ts_ms: now, txId: null, connector: 'postgresql', table: 'users' },
    op: 'd',
    ts_ms: now,
  });
}
