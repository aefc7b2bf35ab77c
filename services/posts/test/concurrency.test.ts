// Concurrent writes of one post through the posts service, its only writer. FerretDB 1.24 does not
// make a single-document update atomic (its version filter alone lets racing updates all win), so
// the service serialises the writes of each post in process: nothing may be lost, and each change
// must be one version in the store's log carrying its own event.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bootPosts, call, testUserId, type TestService } from './helpers.ts';

let svc: TestService;
before(async () => {
  svc = await bootPosts();
});
after(async () => {
  await svc?.close();
});

test('100 concurrent likes end at +100, each one version in the log with its own event', async () => {
  const created = await call(svc.base, 'POST', '/posts', { author_id: testUserId(), title: 't', body: 'b' });
  const id = created.body._id as string;
  const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => call(svc.base, 'POST', `/posts/${id}/like`, { userId: i + 1 })));
  assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([200]));

  const stored = await svc.stored(id);
  assert.ok(stored);
  assert.equal(stored.meta.likes, 100);
  assert.equal(stored.version, 101);
  const events = await svc.events(id);
  assert.deepEqual(events.map((e) => e.position), Array.from({ length: 101 }, (_, i) => i + 1));
  assert.deepEqual(events.slice(1).map((e) => e.type), Array.from({ length: 100 }, () => 'POST_LIKED'));
  assert.deepEqual(events.slice(1).map((e) => (e.data as { likes: number }).likes), Array.from({ length: 100 }, (_, i) => i + 1));
  assert.equal(new Set(events.map((e) => e.eventId)).size, 101);
});

test('likes and comments mixed: nothing lost, positions 2..51 in order', async () => {
  const created = await call(svc.base, 'POST', '/posts', { author_id: testUserId(), title: 't', body: 'b' });
  const id = created.body._id as string;
  const writes = [
    ...Array.from({ length: 40 }, (_, i) => call(svc.base, 'POST', `/posts/${id}/like`, { userId: i + 1 })),
    ...Array.from({ length: 10 }, (_, i) => call(svc.base, 'POST', `/posts/${id}/comments`, { author_id: i + 1, body: `c${i}` })),
  ];
  const answers = await Promise.all(writes);
  assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([200, 201]));

  const stored = await svc.stored(id);
  assert.ok(stored);
  assert.equal(stored.meta.likes, 40);
  assert.equal(stored.comments.length, 10);
  assert.equal(stored.version, 51);
  const events = await svc.events(id);
  assert.deepEqual(events.map((e) => e.position), Array.from({ length: 51 }, (_, i) => i + 1));
  assert.equal(new Set(events.map((e) => e.eventId)).size, 51);
});
