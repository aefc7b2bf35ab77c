// The pure planner of the cache projection, on recorded Debezium and outbox messages.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { authorListingKey, feedGenerationKey, postKey, POSTS_GENERATION_KEY, postTombstoneKey, userKey, userTombstoneKey } from '@polyglot/contracts/cache-keys';
import { EVENT_TYPES, normalizeMessage } from '@polyglot/contracts/events';
import { planCacheChange, TOMBSTONE_TTL_SECONDS } from '../src/domain/cache-projection.ts';
import { debezium, fixture, outbox, postsCapture, type RecordedMessage } from '@polyglot/contracts/test-fixtures/recorded-messages';

const plan = (message: RecordedMessage) => planCacheChange(normalizeMessage(message.topic, message.value));
const lsnOf = (message: RecordedMessage) => (JSON.parse(message.value ?? '') as { source: { lsn: number } }).source.lsn;

describe('planCacheChange on recorded Debezium messages', () => {
  test('a created user is cached with its position, and cached pages are invalidated', () => {
    const message = fixture(debezium, 'created');
    assert.deepEqual(plan(message), [
      {
        kind: 'putUser',
        key: userKey(35),
        tombstoneKey: userTombstoneKey(35),
        position: lsnOf(message),
        user: {
          id: 35,
          email: 'fixture-4b89b9f1@example.test',
          name: 'Ada Fixture',
          created_at: '2026-11-27T10:59:15.565Z',
          updated_at: '2026-11-27T10:59:15.565Z',
          position: lsnOf(message),
        },
      },
      { kind: 'bump', key: POSTS_GENERATION_KEY },
    ]);
  });

  test('an update replaces the profile under a later position', () => {
    const created = fixture(debezium, 'created');
    const updated = fixture(debezium, 'updated');
    const [put, bump] = plan(updated);
    assert.equal(put?.kind, 'putUser');
    assert.ok(put?.kind === 'putUser');
    assert.equal(put.user.name, 'Ada Lovelace');
    assert.ok(put.position > lsnOf(created), 'positions increase per user');
    assert.deepEqual(bump, { kind: 'bump', key: POSTS_GENERATION_KEY });
  });

  test('a delete removes the profile and leaves a tombstone at its position', () => {
    const message = fixture(debezium, 'deleted');
    assert.deepEqual(plan(message), [
      { kind: 'deleteUser', key: userKey(35), tombstoneKey: userTombstoneKey(35), position: lsnOf(message), ttlSeconds: TOMBSTONE_TTL_SECONDS },
      { kind: 'bump', key: POSTS_GENERATION_KEY },
    ]);
    assert.equal(TOMBSTONE_TTL_SECONDS, 3600);
  });

  test('the tombstone that follows a delete, and null, plan nothing', () => {
    assert.deepEqual(plan(fixture(debezium, 'tombstone')), []);
    assert.deepEqual(planCacheChange(null), []);
  });

  test('a password hash never reaches the cache', () => {
    for (const name of ['created', 'updated']) {
      const [put] = plan(fixture(debezium, name));
      assert.ok(put?.kind === 'putUser');
      assert.deepEqual(Object.keys(put.user).sort(), ['created_at', 'email', 'id', 'name', 'position', 'updated_at']);
    }
  });
});

describe('planCacheChange on recorded outbox messages', () => {
  // Recorded before events carried the post as lists show it: the cached copy is dropped, the next read fills it.
  for (const name of ['postCreated', 'postUpdated', 'postLiked', 'commentCreated', 'commentDeleted']) {
    test(`${name} lists the post, drops its cached copy and bumps the posts generation`, () => {
      const message = fixture(outbox, name);
      const { aggregateId: id, data } = JSON.parse(message.value!) as { aggregateId: string; data: { author_id: number; post_author_id?: number } };
      const author = data.post_author_id ?? data.author_id;
      assert.deepEqual(plan(message), [
        { kind: 'listPost', id, authorKey: authorListingKey(author), tombstoneKey: postTombstoneKey(id) },
        { kind: 'dropPost', key: postKey(id) },
        { kind: 'bump', key: POSTS_GENERATION_KEY },
      ]);
    });
  }

  test('postDeleted takes the post off the listings under a tombstone', () => {
    const message = fixture(outbox, 'postDeleted');
    const { aggregateId: id, data } = JSON.parse(message.value!) as { aggregateId: string; data: { author_id: number } };
    assert.deepEqual(plan(message), [
      { kind: 'unlistPost', id, authorKey: authorListingKey(data.author_id), key: postKey(id), tombstoneKey: postTombstoneKey(id), ttlSeconds: TOMBSTONE_TTL_SECONDS },
      { kind: 'bump', key: POSTS_GENERATION_KEY },
    ]);
  });
  for (const name of ['followCreated', 'followDeleted']) {
    test(`${name} bumps the follower's feed generation only`, () => {
      assert.deepEqual(plan(fixture(outbox, name)), [{ kind: 'bump', key: feedGenerationKey(36) }]);
    });
  }

  test('every event type plans at least one operation', () => {
    const seen = new Set<string>();
    for (const message of [...Object.values(debezium), ...Object.values(outbox)]) {
      let event;
      try {
        event = normalizeMessage(message.topic, message.value);
      } catch {
        continue;
      }
      if (!event) continue;
      assert.ok(planCacheChange(event).length > 0, event.type);
      seen.add(event.type);
    }
    assert.deepEqual([...seen].sort(), [...EVENT_TYPES].sort());
  });
});

describe('planCacheChange on recorded captures of posts that carry their listed view', () => {
  test('a created post is listed and cached as lists show it, at version 1', () => {
    const [list, put, bump] = plan(fixture(postsCapture, 'postCreatedListed'));
    assert.ok(list?.kind === 'listPost' && put?.kind === 'putPost');
    assert.equal(list.authorKey, authorListingKey(put.post.author_id));
    assert.equal(put.version, 1);
    assert.equal(put.key, postKey(put.post._id));
    assert.deepEqual(Object.keys(put.post).sort(), ['_id', 'author_id', 'body', 'comments_count', 'createdAt', 'meta', 'tags', 'title', 'updatedAt', 'version']);
    assert.deepEqual(bump, { kind: 'bump', key: POSTS_GENERATION_KEY });
  });

  test('a like replaces the cached copy with the next version and its count', () => {
    const [, put] = plan(fixture(postsCapture, 'postLikedListed'));
    assert.ok(put?.kind === 'putPost');
    assert.equal(put.version, 2);
    assert.equal(put.post.meta.likes, 1);
  });
});
