// The posts service wakes its relay with the ids of the posts it wrote, so an
// event is published at once although the relay's own scan is a minute away.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Consumer, stringDeserializers, type MessagesStream } from '@platformatic/kafka';
import { topics } from '@polyglot/contracts/topics';
import { ensureTopics, kafkaBrokers } from '@polyglot/platform/kafka';
import { bootPosts, bootRelay, call, testMongoUrl, testUserId, waitFor, type TestService } from './helpers.ts';

let svc: TestService;
let relay: { base: string; stop(): Promise<void> };
let consumer: Consumer<string, string, string, string>;
let stream: MessagesStream<string, string, string, string>;
const keys: string[] = [];

before(async () => {
  await ensureTopics([topics.postEvents]);
  consumer = new Consumer({ clientId: 'posts-relay-wake-test', groupId: `posts-relay-wake-${randomUUID()}`, bootstrapBrokers: kafkaBrokers(), deserializers: stringDeserializers });
  stream = await consumer.consume({ topics: [topics.postEvents], mode: 'latest', autocommit: true, maxWaitTime: 50 });
  stream.on('data', (message) => keys.push(String(message.key)));
  const mongoUrl = testMongoUrl();
  // Its first full scan runs at start; the next would be a minute later.
  relay = await bootRelay(mongoUrl, { RELAY_POLL_MS: '60000' });
  svc = await bootPosts({ POSTS_RELAY_URL: relay.base }, mongoUrl);
  await new Promise((r) => setTimeout(r, 500));
});

after(async () => {
  await svc?.close();
  await relay?.stop();
  await stream?.close().catch(() => undefined);
  await consumer?.close(true).catch(() => undefined);
});

test('a write is published within seconds, through the nudge, not the minute-long poll', async () => {
  const t0 = Date.now();
  const created = await call(svc.base, 'POST', '/posts', { author_id: testUserId(), title: 'woken', body: '' });
  assert.equal(created.status, 201);
  const id = created.body._id as string;
  await waitFor('POST_CREATED published', async () => (keys.includes(id) ? true : null), 10_000);
  assert.ok(Date.now() - t0 < 10_000);
  const liked = await call(svc.base, 'POST', `/posts/${id}/like`, {});
  assert.equal(liked.status, 200);
  await waitFor('POST_LIKED published', async () => (keys.filter((k) => k === id).length >= 2 ? true : null), 10_000);
  await waitFor('an empty outbox', async () => (await svc.stored(id))?.outbox.length === 0, 10_000);
});
