// The posts capture's records → ChangeEvents, on records recorded from the posts-cdc connector
// (FerretDB 1.24's storage format: the pinned version is what these fixtures were taken from).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeMessage } from '../src/events.ts';
import { topics } from '../src/topics.ts';
import { fixture, postsCapture } from '../test-fixtures/recorded-messages.ts';

const normalize = (name: string) => {
  const message = fixture(postsCapture, name);
  assert.equal(message.topic, topics.postChanges);
  return normalizeMessage(message.topic, message.value);
};

test('each recorded version gives the event it carries, in order, with its position and capture time', () => {
  const events = ['postCreated', 'postLiked', 'commentCreated', 'postDeleted'].map(normalize);
  assert.deepEqual(events.map((e) => [e?.type, e?.position]), [['POST_CREATED', 1], ['POST_LIKED', 2], ['COMMENT_CREATED', 3], ['POST_DELETED', 4]]);
  const [created] = events;
  assert.ok(created);
  assert.equal(created.source, 'posts');
  assert.match(created.entityId, /^[0-9a-f]{24}$/);
  assert.ok(events.every((e) => e?.entityId === created.entityId));
  assert.equal(created.userId, 900_000_123);
  assert.deepEqual(created.data, { _id: created.entityId, author_id: 900_000_123, title: 'Hello', body: 'First post', tags: ['intro'], likes: 0, createdAt: created.occurredAt.toISOString(), updatedAt: created.occurredAt.toISOString() });
  assert.equal(created.traceparent, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
  assert.ok(created.capturedAt && created.capturedAt >= created.occurredAt, 'captured after it occurred');
  assert.equal(new Set(events.map((e) => e?.eventId)).size, 4);
  assert.equal(events[1]?.userId, 900_000_124, 'the liker caused the like');
});

test('the removal of a deleted post’s row, and a change that kept the event, say nothing', () => {
  assert.equal(normalize('rowRemoved'), null);
  const liked = JSON.parse(fixture(postsCapture, 'postLiked').value!) as { before: unknown; after: unknown; op: string };
  const unchanged = JSON.stringify({ ...liked, before: liked.after });
  assert.equal(normalizeMessage(topics.postChanges, unchanged), null);
  assert.equal(normalizeMessage(topics.postChanges, null), null);
});

test('MongoDB’s change record (Compose) gives the same event as FerretDB’s row', () => {
  const fromMongo = normalize('mongoCreated');
  const fromFerret = normalize('postCreated');
  assert.deepEqual(fromMongo, fromFerret);
});

test('a record that is not a capture of a post is refused with the reason', () => {
  assert.throws(() => normalizeMessage(topics.postChanges, 'not json'), /does not parse/);
  assert.throws(() => normalizeMessage(topics.postChanges, JSON.stringify({ op: 'c', after: { _jsonb: '{"lastEvent": {"type": "NOPE"}}' }, source: { ts_ms: 1 } })), /lastEvent/);
  assert.throws(() => normalizeMessage(topics.postChanges, JSON.stringify({ op: 'c', after: { _jsonb: '{not json' }, source: { ts_ms: 1 } })), /not JSON/);
});

test('a version without an event (a document written before posts carried one) says nothing', () => {
  assert.equal(normalizeMessage(topics.postChanges, JSON.stringify({ op: 'u', before: null, after: { _jsonb: '{"_id": "x", "outbox": []}' }, source: { ts_ms: 1 } })), null);
});
