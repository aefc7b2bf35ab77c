// What ./stackctl seed writes is made from --seed alone: a resumed seed writes the same batches again,
// and the shapes fit what the bulk paths accept.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BulkFollowsBody, BulkPostsBody, BulkUsersBody } from '@polyglot/contracts/seed';
import { followBatch, postBatch, READER_FOLLOWS, SEED_PASSWORD, seededPostId, userBatch } from '../src/seed/dataset.ts';

const ids = Array.from({ length: 3000 }, (_, i) => 1000 + i);

test('the same seed gives the same batches; another seed gives others', () => {
  assert.deepEqual(userBatch(7, 100, 200), userBatch(7, 100, 200));
  assert.deepEqual(postBatch(7, 0, 50, 1000, ids), postBatch(7, 0, 50, 1000, ids));
  assert.deepEqual(followBatch(7, 2000, 2100, ids), followBatch(7, 2000, 2100, ids));
  assert.notDeepEqual(postBatch(8, 0, 50, 1000, ids).map((p) => p.title), postBatch(7, 0, 50, 1000, ids).map((p) => p.title));
  // A batch is the same rows whichever batch boundaries made it.
  assert.deepEqual([...postBatch(7, 0, 30, 1000, ids), ...postBatch(7, 30, 50, 1000, ids)], postBatch(7, 0, 50, 1000, ids));
});

test('post ids are unique, sort as the posts were made, and differ between seeds', () => {
  const total = 20_000;
  const all = Array.from({ length: total }, (_, i) => seededPostId(3, i, total));
  assert.equal(new Set(all.map((p) => p.id)).size, total);
  for (let i = 1; i < total; i++) {
    assert.ok(all[i]!.id > all[i - 1]!.id, `post ${i} sorts after post ${i - 1}`);
    assert.ok(all[i]!.createdAt >= all[i - 1]!.createdAt);
  }
  assert.notEqual(seededPostId(4, 0, total).id, all[0]!.id);
  assert.ok(all.at(-1)!.createdAt.getTime() < Date.now(), 'seeded posts are older than any post made now');
});

test('the first user follows up to 1,000 others; no one follows themselves', () => {
  const follows = followBatch(1, 0, 5000, ids);
  const reader = follows.filter((f) => f.followerId === ids[0]);
  assert.ok(reader.length >= READER_FOLLOWS);
  assert.equal(new Set(follows.slice(0, READER_FOLLOWS).map((f) => f.followeeId)).size, READER_FOLLOWS);
  assert.equal(follows.filter((f) => f.followerId === f.followeeId).length, 0);
});

test('every batch is what the bulk paths accept', () => {
  BulkUsersBody.parse({ password: SEED_PASSWORD, users: userBatch(1, 0, 2000) });
  BulkPostsBody.parse({ posts: postBatch(1, 0, 2000, 2000, ids) });
  BulkFollowsBody.parse({ follows: followBatch(1, 0, 5000, ids) });
  assert.throws(() => BulkPostsBody.parse({ posts: postBatch(1, 0, 5001, 6000, ids) }), /5000/);
});
