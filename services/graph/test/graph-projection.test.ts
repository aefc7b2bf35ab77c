// The pure planner on recorded messages: what each change does to the graph.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeMessage, UnparseableMessageError } from '@polyglot/contracts/events';
import { InvalidChangeError, planGraphChange } from '../src/domain/graph-projection.ts';
import { fixture, rawValue } from './support.ts';

function plan(name: string) {
  const f = fixture(name);
  return planGraphChange(normalizeMessage(f.topic, rawValue(f)));
}

test('a Debezium create sets the user with its name, positioned at the LSN', () => {
  assert.deepEqual(plan('users-create'), [{ kind: 'upsert-user', userId: 42, name: 'Ada Lovelace', position: 27471392 }]);
});

test('a snapshot read is projected like a create', () => {
  assert.deepEqual(plan('users-snapshot-read'), [{ kind: 'upsert-user', userId: 7, name: 'Grace Hopper', position: 27401184 }]);
});

test('an update renames at a later position', () => {
  assert.deepEqual(plan('users-update'), [{ kind: 'upsert-user', userId: 42, name: 'Ada King', position: 27472008 }]);
});

test('a delete removes the user, from its before-image, with the commit time', () => {
  assert.deepEqual(plan('users-delete'), [{ kind: 'delete-user', userId: 42, position: 27472560, occurredAt: new Date(1795776400079) }]);
});

test('the tombstone after a delete plans nothing', () => {
  assert.deepEqual(plan('users-tombstone'), []);
  assert.deepEqual(planGraphChange(null), []);
});

test('POST_CREATED links the author to the post', () => {
  assert.deepEqual(plan('posts-post-created'), [{ kind: 'upsert-post', postId: '6745a1f0c2b3d4e5f6a7b8c9', authorId: 42 }]);
});

test('POST_DELETED removes the post', () => {
  assert.deepEqual(plan('posts-post-deleted'), [{ kind: 'delete-post', postId: '6745a1f0c2b3d4e5f6a7b8c9' }]);
});

test('other events (a like) change nothing in the graph', () => {
  assert.deepEqual(plan('posts-post-liked'), []);
});

test('a post event without its author is rejected as permanent, not retried', () => {
  const f = fixture('posts-post-created');
  const value = f.value as { data: Record<string, unknown> };
  const broken = JSON.stringify({ ...value, data: { _id: value.data._id } });
  assert.throws(() => planGraphChange(normalizeMessage(f.topic, broken)), InvalidChangeError);
});

test('a message that is not JSON is unparseable', () => {
  assert.throws(() => planGraphChange(normalizeMessage('users-db.public.users', '{not json')), UnparseableMessageError);
});

// Recorded on this stack: the connector sends timestamptz columns as ISO strings.
test('a recorded Debezium create with ISO timestamps is projected too', () => {
  assert.deepEqual(plan('users-create-recorded-iso-timestamps'), [{ kind: 'upsert-user', userId: 1, name: 'CDC probe', position: 27471392 }]);
});

test('a Debezium change carries when it was committed and when Debezium read it from the WAL', () => {
  const f = fixture('users-create');
  const event = normalizeMessage(f.topic, rawValue(f))!;
  const envelope = JSON.parse(rawValue(f)!) as { ts_ms: number; source: { ts_ms: number } };
  assert.equal(event.occurredAt.getTime(), envelope.source.ts_ms);
  assert.equal(event.capturedAt?.getTime(), envelope.ts_ms);
  assert.ok(event.capturedAt!.getTime() >= event.occurredAt.getTime());
});
