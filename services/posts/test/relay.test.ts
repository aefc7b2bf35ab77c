// The outbox relay against the real Kafka: events published keyed by post id,
// in order, outboxes cleared, tombstones removed once their events are out.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { deleteTestGroups, testGroupAtEnd } from '../../../packages/platform/test-fixtures/consumer-group.ts';
import { after, before, test } from 'node:test';
import { Consumer, stringDeserializers, type MessagesStream } from '@platformatic/kafka';
import { ObjectId } from 'mongodb';
import type { OutboxEvent } from '@polyglot/contracts/events';
import { topics } from '@polyglot/contracts/topics';
import { kafkaBrokers } from '@polyglot/platform/kafka';
import { waitFor } from '@polyglot/platform/wait-for';
import { bootPosts, bootRelay, call, retractPublished, testUserId, type TestService } from './helpers.ts';

interface Seen {
  key: string;
  event: OutboxEvent;
  traceparent: string | undefined;
}

let svc: TestService;
let relay: { base: string; stop(): Promise<void> };
let consumer: Consumer<string, string, string, string>;
let stream: MessagesStream<string, string, string, string>;
let group: string;
const seen: Seen[] = [];

before(async () => {
  // A group of its own from the end of the topic; other tests' events are filtered out by post id.
  group = await testGroupAtEnd('posts-relay-test', [topics.postEvents]);
  consumer = new Consumer({ clientId: 'posts-relay-test', groupId: group, bootstrapBrokers: kafkaBrokers(), deserializers: stringDeserializers });
  stream = await consumer.consume({ topics: [topics.postEvents], mode: 'committed', fallbackMode: 'earliest', autocommit: true, maxWaitTime: 50 });
  stream.on('data', (message) => {
    let event: OutboxEvent;
    try {
      event = JSON.parse(String(message.value)) as OutboxEvent;
    } catch {
      return; // other suites put poison messages on this topic on purpose
    }
    const traceparent = [...(message.headers ?? [])].find(([k]) => String(k) === 'traceparent')?.[1];
    seen.push({ key: String(message.key), event, traceparent: traceparent === undefined ? undefined : String(traceparent) });
  });
  svc = await bootPosts();
  relay = await bootRelay(svc.mongoUrl);
});

after(async () => {
  await relay?.stop();
  if (svc) await retractPublished(svc);
  await stream?.close().catch(() => undefined);
  await consumer?.close(true).catch(() => undefined);
  if (group) await deleteTestGroups(group);
  await svc?.close();
});

const eventsOf = (postId: string) => seen.filter((s) => s.key === postId);

test('publishes POST_CREATED keyed by the post id, then empties the outbox', async () => {
  const traceparent = `00-${randomUUID().replaceAll('-', '')}-${randomUUID().replaceAll('-', '').slice(0, 16)}-01`;
  const created = await call(svc.base, 'POST', '/posts', { author_id: testUserId(), title: 'relayed', body: 'b' }, { traceparent });
  const id = created.body._id as string;
  const [message] = await waitFor('POST_CREATED on posts.events', async () => (eventsOf(id).length > 0 ? eventsOf(id) : null));
  assert.ok(message);
  assert.equal(message.event.type, 'POST_CREATED');
  assert.equal(message.event.aggregateId, id);
  assert.equal(message.event.position, 1);
  assert.equal((message.event.data as { title: string }).title, 'relayed');
  assert.equal(message.event.traceparent, traceparent);
  assert.equal(message.traceparent, traceparent, 'the trace context travels as a header too');
  await waitFor('an empty outbox', async () => (await svc.stored(id))?.outbox.length === 0);
});

test('likes racing the relay: every like counted, every event published once in order', async () => {
  const created = await call(svc.base, 'POST', '/posts', { author_id: testUserId(), title: 't', body: 'b' });
  const id = created.body._id as string;
  for (let round = 0; round < 3; round++) {
    await Promise.all(Array.from({ length: 10 }, () => call(svc.base, 'POST', `/posts/${id}/like`)));
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  await waitFor('31 events of the post', async () => eventsOf(id).length >= 31);
  await waitFor('an empty outbox', async () => (await svc.stored(id))?.outbox.length === 0);
  const stored = await svc.stored(id);
  assert.equal(stored?.meta.likes, 30);
  const positions = eventsOf(id).map((s) => s.event.position);
  assert.deepEqual(positions, Array.from({ length: 31 }, (_, i) => i + 1), 'each position once, in order');
});

test('delete: POST_DELETED published and the tombstone physically removed', async () => {
  const author = testUserId();
  const created = await call(svc.base, 'POST', '/posts', { author_id: author, title: 't', body: 'b' });
  const id = created.body._id as string;
  await waitFor('POST_CREATED', async () => eventsOf(id).length === 1);
  assert.equal((await call(svc.base, 'DELETE', `/posts/${id}`)).status, 204);
  await waitFor('POST_DELETED on posts.events', async () => eventsOf(id).some((s) => s.event.type === 'POST_DELETED'));
  const deleted = eventsOf(id).find((s) => s.event.type === 'POST_DELETED');
  assert.deepEqual(deleted?.event.data, { _id: id, author_id: author });
  assert.equal(deleted?.event.position, 2);
  await waitFor('the document to be gone', async () => (await svc.stored(id)) === null);
});

test('health reports the backlog and what was published', async () => {
  const res = await call(relay.base, 'GET', '/health');
  assert.equal(res.status, 200);
  assert.equal(res.body.status, 'ok');
  assert.equal(res.body.backlog, 0);
  assert.ok(res.body.published >= 34);
  assert.ok(res.body.lastPublishedAt);
  assert.equal(res.body.failing, null);
});

test('an event whose marker was never written (its writer died in between) goes out at the next relay start', async () => {
  const id = new ObjectId();
  const now = new Date();
  const event: OutboxEvent = { eventId: randomUUID(), type: 'POST_CREATED', aggregate: 'post', aggregateId: id.toHexString(), position: 1, occurredAt: now.toISOString(), actorId: 1, data: { title: 'unmarked' } };
  await svc.posts.insertOne({ _id: id, author_id: 1, title: 'unmarked', body: 'b', tags: [], meta: { likes: 0 }, comments: [], createdAt: now, updatedAt: now, version: 1, outbox: [event] });
  const second = await bootRelay(svc.mongoUrl);
  try {
    const [message] = await waitFor('the unmarked POST_CREATED on posts.events', async () => (eventsOf(id.toHexString()).length > 0 ? eventsOf(id.toHexString()) : null));
    assert.equal(message?.event.eventId, event.eventId);
    await waitFor('the outbox to be emptied', async () => ((await svc.stored(id.toHexString()))?.outbox.length === 0 ? true : null));
  } finally {
    await second.stop();
  }
});
