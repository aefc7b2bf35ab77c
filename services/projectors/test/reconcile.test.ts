// The reconciler's endpoints on the projectors service, against the real
// Redis: the listing shows the cached profiles (never the tombstones), and a
// repair rewrites or removes an entry only if it is still the one listed.
import assert from 'node:assert/strict';
import { createHash, randomInt } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { internalHeaders } from '@polyglot/platform/internal-secret';
import { authorListingKey, POSTS_LISTING_KEY, postTombstoneKey, userKey, userTombstoneKey } from '@polyglot/contracts/cache-keys';
import { urls } from '@polyglot/contracts/endpoints';
import type { CachePage, CacheListing } from '@polyglot/contracts/reconcile';
import { start, type Running } from '../src/app.ts';
import { loadProjectorsConfig } from '../src/config.ts';

let app: Running;
let base: string;
let redis: Redis;
// Test users live at 900000000 and above, far from real ids.
const [stale, deleted, corrupt, raced] = Array.from({ length: 4 }, () => 900_000_000 + randomInt(99_999_999)) as [number, number, number, number];
const keys = [stale, deleted, corrupt, raced].flatMap((id) => [userKey(id), userTombstoneKey(id)]);
const sha1 = (raw: string) => createHash('sha1').update(raw).digest('hex');
const entry = (id: number, name: string, position: number) => JSON.stringify({ id, email: `${name.toLowerCase()}@example.test`, name, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z', position });
const fresh = (id: number, name: string) => ({ id, email: `${name.toLowerCase()}@example.test`, name, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-02T00:00:00.000Z' });

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}${path}`, { method, headers: { ...internalHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? null : JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

before(async () => {
  app = await start(loadProjectorsConfig({ PORT: '0', LOG_LEVEL: 'silent', CONSUMERS: 'off' }), { logger: pino({ level: 'silent' }) });
  base = `http://127.0.0.1:${app.port}`;
  redis = new Redis(urls.redis, { maxRetriesPerRequest: 1 });
  await redis.set(userKey(stale), entry(stale, 'Old', 42));
  await redis.set(userKey(deleted), entry(deleted, 'Gone', 7));
  await redis.set(userKey(corrupt), '{not json');
  await redis.set(userKey(raced), entry(raced, 'Before', 1));
  await redis.set(userTombstoneKey(stale), '99', 'EX', 60);
});

after(async () => {
  await app.stop();
  await redis.del(...keys);
  redis.disconnect();
});

describe('POST /internal/reconcile/scope and the pages', () => {
  test('a scope lists its user:{id} profiles with name, email, position and digest; tombstones are not profiles', async () => {
    const response = await call('POST', '/internal/reconcile/scope', { users: [stale, corrupt, 999_999_999_999] });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const profiles = new Map((response.body as CacheListing).profiles.map((p) => [p.id, p]));
    assert.deepEqual(profiles.get(stale), { id: stale, name: 'Old', email: 'old@example.test', position: 42, digest: sha1(entry(stale, 'Old', 42)) });
    assert.deepEqual(profiles.get(corrupt), { id: corrupt, name: null, email: null, position: null, digest: sha1('{not json') });
    assert.equal(profiles.size, 2, 'a user without a cached profile is not listed');
  });

  test('the profiles page walks the cache with SCAN until its cursor is 0, tombstones left out', async () => {
    const seen: number[] = [];
    let after: string | null = null;
    do {
      const page: { status: number; body: CachePage } = await call('GET', `/internal/reconcile/page/profiles?limit=500${after ? `&after=${after}` : ''}`);
      assert.equal(page.status, 200, JSON.stringify(page.body));
      seen.push(...page.body.listing.profiles.map((p) => p.id));
      after = page.body.next;
    } while (after !== null);
    assert.ok(seen.includes(stale) && seen.includes(corrupt));
    assert.equal(seen.filter((id) => id === stale).length >= 1, true);
    assert.equal((await call('GET', '/internal/reconcile/page/sessions')).status, 400);
  });
});

describe('POST /internal/reconcile/repair', () => {
  test('rewrites a stale profile keeping its position, removes one of a deleted user, fixes an unreadable one', async () => {
    const response = await call('POST', '/internal/reconcile/repair', {
      refresh: [
        { digest: sha1(entry(stale, 'Old', 42)), user: fresh(stale, 'New') },
        { digest: sha1('{not json'), user: fresh(corrupt, 'Cora') },
      ],
      remove: [{ id: deleted, digest: sha1(entry(deleted, 'Gone', 7)) }],
    });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual(response.body, { refreshed: 2, removed: 1, unchanged: 0, listed: 0, unlisted: 0 });
    // The position stays: the projection's next change still wins, an older redelivery still loses.
    assert.deepEqual(JSON.parse((await redis.get(userKey(stale)))!), { ...fresh(stale, 'New'), position: 42 });
    assert.deepEqual(JSON.parse((await redis.get(userKey(corrupt)))!), { ...fresh(corrupt, 'Cora'), position: 0 });
    assert.equal(await redis.exists(userKey(deleted)), 0);
    assert.equal(await redis.get(userTombstoneKey(stale)), '99', 'tombstones are left alone');
  });

  test('an entry that changed since it was listed is left as it is (the projection wrote it)', async () => {
    const listed = sha1(entry(raced, 'Before', 1));
    await redis.set(userKey(raced), entry(raced, 'Projected', 2));
    const response = await call('POST', '/internal/reconcile/repair', { refresh: [{ digest: listed, user: fresh(raced, 'Reconciled') }], remove: [{ id: raced, digest: listed }] });
    assert.deepEqual(response.body, { refreshed: 0, removed: 0, unchanged: 2, listed: 0, unlisted: 0 });
    assert.equal(JSON.parse((await redis.get(userKey(raced)))!).name, 'Projected');
  });

  test('repeating a repair changes nothing; bad input is 400 VALIDATION_FAILED', async () => {
    const again = await call('POST', '/internal/reconcile/repair', { remove: [{ id: deleted, digest: sha1(entry(deleted, 'Gone', 7)) }] });
    assert.deepEqual(again.body, { refreshed: 0, removed: 0, unchanged: 1, listed: 0, unlisted: 0 });
    for (const bad of [{ remove: [{ id: 'user:*', digest: 'x' }] }, { flushall: true }]) {
      const response = await call('POST', '/internal/reconcile/repair', bad);
      assert.equal(response.status, 400, JSON.stringify(bad));
      assert.equal(response.body.code, 'VALIDATION_FAILED');
    }
  });
});

describe('the post listings', () => {
  const author = 900_000_000 + randomInt(99_999_999);
  const other = author + 1;
  const [missing, misplaced, gone, deletedMeanwhile] = Array.from({ length: 4 }, (_, i) => `fffe${(randomInt(2 ** 40) * 4 + i).toString(16).padStart(20, '0')}`) as [string, string, string, string];
  let state: Redis;
  before(async () => {
    state = new Redis(urls.redisState, { maxRetriesPerRequest: 1 });
    await state.zadd(POSTS_LISTING_KEY, 0, misplaced, 0, gone);
    await state.zadd(authorListingKey(other), 0, misplaced);
    await state.zadd(authorListingKey(author), 0, gone);
    await state.set(postTombstoneKey(deletedMeanwhile), '1', 'EX', 60);
  });
  after(async () => {
    await state.zrem(POSTS_LISTING_KEY, missing, misplaced, gone, deletedMeanwhile);
    await state.del(authorListingKey(author), authorListingKey(other), postTombstoneKey(deletedMeanwhile));
    state.disconnect();
  });

  test('the listing shows which listings hold each id; a repair lists live posts (not deleted ones) and unlists the rest', async () => {
    const scope = { posts: [{ id: misplaced, authorId: other }, { id: gone, authorId: author }, { id: missing, authorId: author }] };
    const listed = new Map(((await call('POST', '/internal/reconcile/scope', scope)).body as CacheListing).listed.map((l) => [l.id, l]));
    assert.deepEqual(listed.get(misplaced), { id: misplaced, inListing: true, authorIds: [other] });
    assert.deepEqual(listed.get(gone), { id: gone, inListing: true, authorIds: [author] });
    assert.equal(listed.has(missing), false);
    // The listing's page, from just before these ids, in the listing's order; its total.
    const first = [misplaced, gone].sort()[0]!;
    const page = (await call('GET', `/internal/reconcile/page/listing?after=${first.slice(0, 23)}&limit=1`)).body as CachePage;
    assert.deepEqual(page, { listing: { profiles: [], listed: [{ id: first, inListing: true, authorIds: [] }] }, next: first });
    assert.ok(((await call('GET', '/internal/reconcile/totals')).body as { listing: number }).listing >= 2);

    const repair = await call('POST', '/internal/reconcile/repair', {
      list: [
        { id: missing, authorId: author },
        { id: misplaced, authorId: author },
        { id: deletedMeanwhile, authorId: author },
      ],
      unlist: [
        { id: misplaced, inListing: false, authorIds: [other] },
        { id: gone, inListing: true, authorIds: [author] },
      ],
    });
    assert.equal(repair.status, 200, JSON.stringify(repair.body));
    assert.deepEqual([repair.body.listed, repair.body.unlisted], [2, 2], 'the post deleted meanwhile is not listed');
    assert.deepEqual(await state.zrange(authorListingKey(author), 0, -1), [missing, misplaced].sort());
    assert.deepEqual(await state.zrange(authorListingKey(other), 0, -1), []);
    assert.deepEqual(await state.zmscore(POSTS_LISTING_KEY, missing, misplaced, gone, deletedMeanwhile), ['0', '0', null, null]);
  });
});

describe("the authors' listings", () => {
  const author = 900_000_000 + randomInt(99_999_999);
  const other = author + 1;
  const ids = Array.from({ length: 3 }, (_, i) => `fffd${(randomInt(2 ** 40) * 4 + i).toString(16).padStart(20, '0')}`).sort();
  const shared = ids[0]!;
  let state: Redis;
  before(async () => {
    state = new Redis(urls.redisState, { maxRetriesPerRequest: 1 });
    await state.zadd(authorListingKey(author), ...ids.flatMap((id) => [0, id]));
    await state.zadd(authorListingKey(other), 0, shared);
  });
  after(async () => {
    await state.del(authorListingKey(author), authorListingKey(other));
    state.disconnect();
  });

  test("their total is every author's listing's ZCARD; the pages walk them all, by author, a bounded page at a time", async () => {
    assert.ok(((await call('GET', '/internal/reconcile/totals')).body as { authorListings: number }).authorListings >= 4);
    const ours = (page: CachePage) => page.listing.listed.filter((l) => l.authorIds[0] === author || l.authorIds[0] === other).map((l) => `${l.authorIds[0]}:${l.id}`);
    const seen = new Set<string>();
    let stepOfOurs: string | undefined;
    for (let after: string | null = null; ; ) {
      const page: { status: number; body: CachePage } = await call('GET', `/internal/reconcile/page/authors?limit=1000${after ? `&after=${after}` : ''}`);
      assert.equal(page.status, 200, JSON.stringify(page.body));
      assert.ok(page.body.listing.listed.length <= 1000);
      assert.ok(page.body.listing.listed.every((l) => !l.inListing && l.authorIds.length === 1));
      for (const entry of ours(page.body)) seen.add(entry);
      if (stepOfOurs === undefined && ours(page.body).some((e) => e.startsWith(`${author}:`))) stepOfOurs = (after ?? '0').split(':')[0];
      if (page.body.next === null) break;
      after = page.body.next;
    }
    assert.deepEqual([...seen].sort(), [...ids.map((id) => `${author}:${id}`), `${other}:${shared}`].sort());

    // The SCAN step that found the author's listing, from that author on, a page of one entry at a time: each
    // entry once, in order, then on past that author (a SCAN step from the same cursor looks at the same keys).
    let cursor = `${stepOfOurs}:${author}:`;
    for (const id of ids) {
      const page = (await call('GET', `/internal/reconcile/page/authors?limit=1&after=${cursor}`)).body as CachePage;
      assert.deepEqual(page.listing.listed, [{ id, inListing: false, authorIds: [author] }], JSON.stringify(page));
      cursor = page.next!;
    }
    const past = (await call('GET', `/internal/reconcile/page/authors?limit=1&after=${cursor}`)).body as CachePage;
    assert.ok(past.listing.listed.every((l) => l.authorIds[0] !== author), JSON.stringify(past));
  });

  test('a scope naming one post with several authors answers one entry, with each author whose listing holds it', async () => {
    const scope = { posts: [{ id: shared, authorId: author }, { id: shared, authorId: other }, { id: shared, authorId: other + 1 }] };
    const response = await call('POST', '/internal/reconcile/scope', scope);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual((response.body as CacheListing).listed, [{ id: shared, inListing: false, authorIds: [author, other] }]);
  });
});
