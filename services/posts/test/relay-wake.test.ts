// The posts service wakes its relay with the ids of the posts it wrote, so an
// event is published at once although the relay's own scan is a minute away.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Consumer, stringDeserializers, type MessagesStream } from '@platformatic/kafka';
import { topics } from '@polyglot/contracts/topics';
import { kafkaBrokers } from '@polyglot/platform/kafka';
import { deleteTestGroups, testGroupAtEnd } from '../../../packages/platform/test-fixtures/consumer-group.ts';
import { waitFor } from '@polyglot/platform/wait-for';
import { bootPosts, bootRelay, call, retractPublished, testMongoUrl, testUserId, type TestService } from './helpers.ts';

let svc: TestService;
let relay: { base: string; stop(): Promise<void> };
let consumer: Consumer<string, string, string, string>;
let stream: MessagesStream<string, string, string, string>;
let group: string;
const keys: string[] = [];

before(async () => {
  // Positioned at the end before it joins: it sees every message sent from now on, with no wait for its assignment.
  group = await testGroupAtEnd('posts-relay-wake', [topics.postEvents]);
  consumer = new Consumer({ clientId: 'posts-relay-wake-test', groupId: group, bootstrapBrokers: kafkaBrokers(), deserializers: stringDeserializers });
  stream = await consumer.consume({ topics: [topics.postEvents], mode: 'committed', fallbackMode: 'earliest', autocommit: true, maxWaitTime: 50 });
  stream.on('data', (message) => keys.push(String(message.key)));
  const mongoUrl = testMongoUrl();
  // Its first scan runs at start, over an empty database, while the posts service boots; the next is a minute later.
  relay = await bootRelay(mongoUrl, { RELAY_POLL_MS: '60000' });
  svc = await bootPosts({ POSTS_RELAY_URL: relay.base }, mongoUrl);
});

after(async () => {
  await relay?.stop();
  if (svc) await retractPublished(svc);
  await svc?.close();
  await stream?.close().catch(() => undefined);
  await consumer?.close(true).catch(() => undefined);
  if (group) await deleteTestGroups(group);
});

test('a write is published within seconds, through the nudge, not the minute-long poll', async () => {
  const t0 = Date.now();
  const created = await call(svc.base, 'POST', '/posts', { author_id: testUserId(), title: 'woken', body: '' });
  assert.equal(created.status, 201);
  const id = created.body._id as string;
  await waitFor('POST_CREATED published', async () => (keys.includes(id) ? true : null), { timeoutMs: 10_000 });
  assert.ok(Date.now() - t0 < 10_000);
  const liked = await call(svc.base, 'POST', `/posts/${id}/like`, {});
  assert.equal(liked.status, 200);
  await waitFor('POST_LIKED published', async () => (keys.filter((k) => k === id).length >= 2 ? true : null), { timeoutMs: 10_000 });
  await waitFor('an empty outbox', async () => (await svc.stored(id))?.outbox.length === 0, { timeoutMs: 10_000 });
});
