// A feed's page merged inside Redis from its authors' listings (post-listing.ts), on the real state
// store, against the same merge done plainly here: every author's ids, sorted, cut to the page.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { authorListingKey } from '@polyglot/contracts/cache-keys';
import { testUserId } from '@polyglot/contracts/test-fixtures/message-builders';
import { createPostListing } from '../src/data-access/post-listing.ts';
import { stateRedisClient } from './support.ts';

let state: Redis;
// Author ids far above any the stack hands out (the tests' own user ids, times 100), so the listings are this run's own.
const base = testUserId() * 100;
const listings = new Map<number, string[]>();

/** An ObjectId-like id (24 hex digits, ordered by time as post ids are). */
const postId = (n: number) => n.toString(16).padStart(24, '0');

before(async () => {
  state = stateRedisClient();
  // 60 authors: one who posts a lot (the newest 200 ids are mostly theirs), many with a few, some with none.
  let n = 1_000;
  for (let a = 0; a < 60; a++) listings.set(base + a, []);
  for (let i = 0; i < 1_500; i++) {
    n += 1 + (i % 7);
    const author = base + (i % 3 === 0 ? 0 : i < 1_200 ? 1 + (i % 40) : 0);
    listings.get(author)!.push(postId(n));
  }
  for (const [author, ids] of listings) if (ids.length > 0) await state.zadd(authorListingKey(author), ...ids.flatMap((id) => [0, id]));
});
after(async () => {
  await state.del(...[...listings.keys()].map((a) => authorListingKey(a)));
  await state.quit();
});

function expected(authors: readonly number[], limit: number, before?: string) {
  const all = authors.flatMap((a) => listings.get(a) ?? []).sort().reverse();
  const below = before === undefined ? all : all.filter((id) => id < before);
  return { ids: below.slice(0, limit), total: all.length, hasMore: below.length > limit };
}

test('the merged page is the newest posts of the authors, below the cursor, whatever the mix of listings', async () => {
  const listing = createPostListing(state);
  const everyone = [...listings.keys()];
  const cases: Array<[string, number[], number, string | undefined]> = [
    ['every author, first page', everyone, 50, undefined],
    ['every author, a page deep down', everyone, 50, expected(everyone, 700).ids.at(-1)],
    ['fewer authors with posts than ids wanted', everyone.slice(0, 5), 50, undefined],
    ['the prolific author alone', [base], 20, undefined],
    ['authors without posts only', everyone.slice(55), 10, undefined],
    ['a page of one', everyone, 1, undefined],
    ['past the oldest post', everyone, 50, postId(1_000)],
  ];
  for (const [what, authors, limit, cursor] of cases) {
    assert.deepEqual(await listing.authorsPage({ authorIds: authors, limit, before: cursor }), expected(authors, limit, cursor), what);
  }
  // Paging through every author's posts, page after page, gives each post once, newest first.
  const seen: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await listing.authorsPage({ authorIds: everyone, limit: 37, before: cursor });
    seen.push(...page.ids);
    if (!page.hasMore) break;
    cursor = page.ids.at(-1);
  }
  assert.deepEqual(seen, expected(everyone, 10_000).ids);
});
