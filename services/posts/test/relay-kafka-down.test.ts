// Kafka unreachable: the relay keeps the events, reports itself degraded, logs
// the failure once per streak, and another relay publishes them later.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { waitFor } from '@polyglot/platform/wait-for';
import { bootPosts, bootRelay, call, retractPublished, testUserId, type TestService } from './helpers.ts';

let svc: TestService;
before(async () => {
  svc = await bootPosts();
});
after(async () => {
  if (svc) await retractPublished(svc);
  await svc?.close();
});

test('events stay in the outbox while Kafka does not answer, and go out once it does', async () => {
  const created = await call(svc.base, 'POST', '/posts', { author_id: testUserId(), title: 't', body: 'b' });
  const id = created.body._id as string;

  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: 'info' }, new Writable({ write(chunk, _encoding, done) { for (const line of String(chunk).trim().split('\n')) lines.push(JSON.parse(line)); done(); } }));
  // The platform's producer reads KAFKA_BROKERS when it is created.
  const saved = process.env.KAFKA_BROKERS;
  process.env.KAFKA_BROKERS = '127.0.0.1:1';
  let broken;
  try {
    broken = await bootRelay(svc.mongoUrl, {}, logger);
  } finally {
    if (saved === undefined) delete process.env.KAFKA_BROKERS;
    else process.env.KAFKA_BROKERS = saved;
  }
  try {
    const health = await waitFor('a degraded relay', async () => {
      const res = await call(broken.base, 'GET', '/health');
      return res.status === 503 ? res : null;
    });
    assert.equal(health.body.status, 'degraded');
    assert.ok(health.body.backlog >= 1);
    assert.equal(health.body.published, 0);
    assert.equal(typeof health.body.failing, 'string');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal((await svc.stored(id))?.outbox.length, 1, 'the event is kept');
    const errors = lines.filter((l) => l.level >= 50);
    assert.equal(errors.length, 1, `one error per failure streak, got ${JSON.stringify(errors)}`);
  } finally {
    await broken.stop();
  }

  const good = await bootRelay(svc.mongoUrl);
  try {
    await waitFor('the outbox to drain', async () => (await svc.stored(id))?.outbox.length === 0);
  } finally {
    await good.stop();
  }
});
