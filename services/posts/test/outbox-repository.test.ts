// Clearing the outbox on the real FerretDB: only the published entries go,
// whatever was appended meanwhile stays.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { MongoClient, ObjectId } from 'mongodb';
import { pino } from 'pino';
import type { OutboxEvent } from '@polyglot/contracts/events';
import { OutboxRepository, pendingMarkers } from '../src/data-access/outbox.repository.ts';
import type { PostDocument } from '../src/data-access/post-document.ts';
import { createWriteLock } from '../src/data-access/write-lock.ts';
import { bootPosts, call, testUserId, type TestService } from './helpers.ts';

let svc: TestService;
let client: MongoClient;
let outbox: OutboxRepository;
before(async () => {
  svc = await bootPosts();
  client = new MongoClient(svc.mongoUrl, { serverSelectionTimeoutMS: 2000 });
  outbox = new OutboxRepository(client.db(), createWriteLock(client.db(), 'auto', pino({ level: 'silent' })));
});
after(async () => {
  await client?.close();
  await svc?.close();
});

test('events appended after the relay read them stay in the outbox', async () => {
  const id = (await call(svc.base, 'POST', '/posts', { author_id: testUserId(), title: 't', body: 'b' })).body._id as string;
  const read = (await svc.stored(id))!.outbox;
  await call(svc.base, 'POST', `/posts/${id}/like`);
  await outbox.acknowledge({ _id: ObjectId.createFromHexString(id), outbox: read }, read);
  const left = (await svc.stored(id))!.outbox;
  assert.deepEqual(left.map((e) => [e.type, e.position]), [['POST_LIKED', 2]]);
  assert.equal(await outbox.countBacklog().then((n) => n >= 1), true);
});

test('entries that no longer equal what was read are still removed by eventId', async () => {
  const id = (await call(svc.base, 'POST', '/posts', { author_id: testUserId(), title: 't', body: 'b' })).body._id as string;
  const [stored] = (await svc.stored(id))!.outbox as [OutboxEvent];
  // Same event, keys in another order: $pullAll's exact match misses it.
  const reordered = Object.fromEntries(Object.entries(stored).reverse()) as OutboxEvent;
  await outbox.acknowledge({ _id: ObjectId.createFromHexString(id), outbox: [stored] }, [reordered]);
  assert.deepEqual((await svc.stored(id))!.outbox, []);
});

test('a drained tombstone is deleted; one with pending events is not', async () => {
  const posts = client.db().collection<PostDocument>('posts');
  const now = new Date();
  const base = { author_id: 1, title: 't', body: 'b', tags: [], meta: { likes: 0 }, comments: [], createdAt: now, updatedAt: now, version: 2, deleted: true as const };
  const drained = new ObjectId();
  const pending = new ObjectId();
  const event: OutboxEvent = { eventId: randomUUID(), type: 'POST_DELETED', aggregate: 'post', aggregateId: pending.toHexString(), position: 2, occurredAt: now.toISOString(), actorId: 1, data: {} };
  await posts.insertMany([{ _id: drained, ...base, outbox: [] }, { _id: pending, ...base, outbox: [event] }]);
  const { pending: found, drainedTombstones } = await outbox.scan(Number.POSITIVE_INFINITY);
  assert.ok(drainedTombstones.some((id) => id.equals(drained)), 'the scan finds the drained tombstone');
  assert.ok(!drainedTombstones.some((id) => id.equals(pending)), 'not the one with events');
  assert.ok(found.some((post) => post._id.equals(pending)), 'whose events the scan finds');
  assert.ok((await outbox.deleteDrainedTombstones(drainedTombstones)) >= 1);
  assert.equal(await posts.countDocuments({ _id: drained }), 0);
  assert.equal(await posts.countDocuments({ _id: pending }), 1);
  const { deleted } = await outbox.acknowledge({ _id: pending, outbox: [event], deleted: true }, [event]);
  assert.equal(deleted, true);
  assert.equal(await posts.countDocuments({ _id: pending }), 0);
});

test('a write marks its post pending; the relay clears the marker with the events it published', async () => {
  const id = ObjectId.createFromHexString((await call(svc.base, 'POST', '/posts', { author_id: testUserId(), title: 't', body: 'b' })).body._id as string);
  const markers = pendingMarkers(client.db());
  assert.equal(await markers.countDocuments({ _id: id }), 1);
  const [found] = await outbox.findPendingByIds([id]);
  assert.ok(found?.markerToken, 'read with its marker');
  await outbox.acknowledge(found, found.outbox);
  assert.equal(await markers.countDocuments({ _id: id }), 0);
  assert.equal((await svc.stored(id.toHexString()))!.outbox.length, 0);
});

test('a write landing after the relay read the post re-stamps the marker, which then stays', async () => {
  const id = ObjectId.createFromHexString((await call(svc.base, 'POST', '/posts', { author_id: testUserId(), title: 't', body: 'b' })).body._id as string);
  const [found] = await outbox.findPendingByIds([id]);
  await call(svc.base, 'POST', `/posts/${id.toHexString()}/like`);
  await outbox.acknowledge(found!, found!.outbox);
  assert.equal(await pendingMarkers(client.db()).countDocuments({ _id: id }), 1);
  const [next] = await outbox.findPendingByIds([id]);
  assert.deepEqual(next!.outbox.map((e) => e.type), ['POST_LIKED']);
});

test('a marker whose post has nothing left to publish is removed by the next marker read', async () => {
  const stale = new ObjectId();
  await pendingMarkers(client.db()).insertOne({ _id: stale, token: new ObjectId() });
  const found = await outbox.findMarked(1000);
  assert.equal(found.some((p) => p._id.equals(stale)), false);
  assert.equal(await pendingMarkers(client.db()).countDocuments({ _id: stale }), 0);
});
