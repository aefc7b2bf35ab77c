// Several messages' cache operations in a few round trips, against the real
// Redis instances (profiles in the cache, tombstones and generations in the
// state store): in order, position-guarded like one at a time, and still right
// after Redis forgot its scripts.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { authorListingKey, postKey, POSTS_LISTING_KEY, postTombstoneKey, userKey, userTombstoneKey } from '@polyglot/contracts/cache-keys';
import type { ListedPost } from '@polyglot/contracts/post-events';
import { urls } from '@polyglot/contracts/endpoints';
import { CacheRepository } from '../src/data-access/cache.repository.ts';
import type { CacheOperation } from '../src/data-access/cache-operations.ts';

let redis: Redis;
let state: Redis;
let cache: CacheRepository;
before(() => {
  redis = new Redis(urls.redis, { maxRetriesPerRequest: 1 });
  state = new Redis(urls.redisState, { maxRetriesPerRequest: 1 });
  cache = new CacheRepository(redis, state);
});
after(() => {
  redis.disconnect();
  state.disconnect();
});

const id = () => 8_000_000_000 + randomInt(1_000_000_000);
const put = (user: number, name: string, position: number): CacheOperation => ({
  kind: 'putUser',
  key: userKey(user),
  tombstoneKey: userTombstoneKey(user),
  position,
  user: { id: user, email: `${user}@example.test`, name, created_at: '2026-11-27T00:00:00.000Z', updated_at: '2026-11-27T00:00:00.000Z', position },
});
const cachedName = async (user: number) => {
  const raw = await redis.get(userKey(user));
  return raw === null ? null : (JSON.parse(raw) as { name: string }).name;
};

test('one batch applies every message in order; an older change in it never wins', async () => {
  const [a, b] = [id(), id()];
  const bump = `test:gen:${a}`;
  await cache.applyMany([put(a, 'A1', 10), put(b, 'B1', 10), put(a, 'A2', 20), { kind: 'bump', key: bump }, put(a, 'A-old', 15), { kind: 'bump', key: bump }]);
  assert.equal(await cachedName(a), 'A2');
  assert.equal(await cachedName(b), 'B1');
  assert.equal(await state.get(bump), '1', 'generations live in the state store, bumped once per batch');
  assert.equal(await redis.exists(bump), 0);
  await cache.applyMany([{ kind: 'deleteUser', key: userKey(b), tombstoneKey: userTombstoneKey(b), position: 30, ttlSeconds: 60 }, put(b, 'B-late', 25)]);
  assert.equal(await cachedName(b), null, 'the tombstone holds against an older put in the same batch');
  assert.equal(await state.get(userTombstoneKey(b)), '30', 'tombstones live in the state store');
  assert.equal(await redis.exists(userTombstoneKey(b)), 0);
  await redis.del(userKey(a));
  await state.del(userTombstoneKey(b), bump);
});

test('a tombstone outlives its profile being evicted from the cache: a later, older put still loses', async () => {
  const user = id();
  await cache.applyMany([put(user, 'Alive', 10)]);
  await cache.applyMany([{ kind: 'deleteUser', key: userKey(user), tombstoneKey: userTombstoneKey(user), position: 20, ttlSeconds: 60 }]);
  // What filling the cache would do to the profile's key; the state store keeps the tombstone.
  await redis.del(userKey(user));
  await cache.applyMany([put(user, 'Resurrected', 15)]);
  assert.equal(await cachedName(user), null);
  await state.del(userTombstoneKey(user));
});

test('after Redis forgot its scripts (a restart, SCRIPT FLUSH) the batch loads it again and applies', async () => {
  const user = id();
  await redis.script('FLUSH');
  await cache.applyMany([put(user, 'Reloaded', 5)]);
  assert.equal(await cachedName(user), 'Reloaded');
  await redis.del(userKey(user));
});

const postId = () => `ffff${randomInt(2 ** 40).toString(16).padStart(20, '0')}`;
const listed = (id: string, author: number, version: number, title: string): ListedPost => ({
  _id: id,
  author_id: author,
  title,
  body: '',
  tags: [],
  meta: { likes: version - 1 },
  comments_count: 0,
  createdAt: '2026-12-07T00:00:00.000Z',
  updatedAt: '2026-12-07T00:00:00.000Z',
  version,
});
const listPost = (id: string, author: number): CacheOperation => ({ kind: 'listPost', id, authorKey: authorListingKey(author), tombstoneKey: postTombstoneKey(id) });
const putPost = (post: ListedPost): CacheOperation => ({ kind: 'putPost', key: postKey(post._id), tombstoneKey: postTombstoneKey(post._id), version: post.version, post });
const cachedTitle = async (id: string) => {
  const raw = await redis.get(postKey(id));
  return raw === null ? null : (JSON.parse(raw) as ListedPost).title;
};

test('posts: listed in both listings and cached by version; a deletion unlists them for good, whatever comes late', async () => {
  const author = id();
  const [p, q] = [postId(), postId()];
  try {
    await cache.applyMany([listPost(p, author), putPost(listed(p, author, 1, 'v1')), listPost(q, author), putPost(listed(q, author, 1, 'q1')), putPost(listed(p, author, 3, 'v3')), putPost(listed(p, author, 2, 'v2'))]);
    assert.equal(await cachedTitle(p), 'v3', 'an older version never replaces a newer one');
    assert.deepEqual(await state.zmscore(POSTS_LISTING_KEY, p, q), ['0', '0']);
    assert.deepEqual(await state.zrange(authorListingKey(author), 0, -1), [p, q].sort());
    assert.equal(await redis.exists(POSTS_LISTING_KEY), 0, 'the listings live in the state store');

    await cache.applyMany([{ kind: 'unlistPost', id: p, authorKey: authorListingKey(author), key: postKey(p), tombstoneKey: postTombstoneKey(p), ttlSeconds: 60 }, listPost(p, author), putPost(listed(p, author, 4, 'late'))]);
    assert.equal(await state.zscore(POSTS_LISTING_KEY, p), null, 'a late change of a deleted post does not list it again');
    assert.deepEqual(await state.zrange(authorListingKey(author), 0, -1), [q]);
    assert.equal(await cachedTitle(p), null, 'nor cache it again');

    // A cached copy the events recorded before it existed cannot replace: dropped, for the next read to fill.
    await cache.applyMany([{ kind: 'dropPost', key: postKey(q) }]);
    assert.equal(await redis.exists(postKey(q)), 0);
  } finally {
    await state.zrem(POSTS_LISTING_KEY, p, q);
    await state.del(authorListingKey(author), postTombstoneKey(p));
    await redis.del(postKey(p), postKey(q));
  }
});

test('after the state store forgot the listing scripts, a batch applies again once retried (as the consumer does)', async () => {
  const author = id();
  const p = postId();
  try {
    await state.script('FLUSH');
    await cache.applyMany([listPost(p, author)]).catch(() => cache.applyMany([listPost(p, author)]));
    assert.equal(await state.zscore(POSTS_LISTING_KEY, p), '0');
  } finally {
    await state.zrem(POSTS_LISTING_KEY, p);
    await state.del(authorListingKey(author));
  }
});
