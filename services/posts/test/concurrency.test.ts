// Two API processes writing one post. On FerretDB the version filter alone
// does not protect (its updates are not atomic): the lock document must.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bootPosts, call, testMongoUrl, testUserId, type TestService } from './helpers.ts';

let one: TestService;
let two: TestService;
before(async () => {
  const url = testMongoUrl();
  one = await bootPosts({}, url);
  two = await bootPosts({}, url);
});
after(async () => {
  await two?.close();
  await one?.close();
});

test('40 likes and 10 comments spread over two processes: nothing lost, positions 2..51', async () => {
  const created = await call(one.base, 'POST', '/posts', { author_id: testUserId(), title: 't', body: 'b' });
  const id = created.body._id as string;
  const writes = [
    ...Array.from({ length: 40 }, (_, i) => call(i % 2 ? one.base : two.base, 'POST', `/posts/${id}/like`, { userId: i + 1 })),
    ...Array.from({ length: 10 }, (_, i) => call(i % 2 ? two.base : one.base, 'POST', `/posts/${id}/comments`, { author_id: i + 1, body: `c${i}` })),
  ];
  const answers = await Promise.all(writes);
  assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([200, 201]));

  const stored = await one.stored(id);
  assert.ok(stored);
  assert.equal(stored.meta.likes, 40);
  assert.equal(stored.comments.length, 10);
  assert.equal(stored.version, 51);
  assert.deepEqual(stored.outbox.map((e) => e.position), Array.from({ length: 51 }, (_, i) => i + 1));
  assert.equal(new Set(stored.outbox.map((e) => e.eventId)).size, 51);
});
