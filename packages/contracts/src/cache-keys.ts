// Redis key names, shared by the cache projection (which writes and
// invalidates) and the gateway (which reads and fills). Pages carry a
// generation number in their key: bumping the generation invalidates every
// page built from older data in one O(1) step.
//
// Two instances (docs/adr/0015-two-redis-instances.md):
//   cache (urls.redis, evicts LRU): user:{id}, post:{id}, pages, page budgets;
//   state (urls.redisState, never evicts): the post listings, tombstones, generations, sessions
//   (and the gateway's login counters, the watermarks of consistency.ts).

/** Cache. */
export const userKey = (id: number | string): string => `user:${id}`;

/** State. Written when a user is deleted, so a late, older update cannot bring the profile back. */
export const userTombstoneKey = (id: number | string): string => `user:${id}:deleted`;

/** State. Bumped by every post, like or comment change and every user rename or deletion. */
export const POSTS_GENERATION_KEY = 'posts:gen';

/** State. Bumped when this user follows or unfollows someone. */
export const feedGenerationKey = (userId: number | string): string => `feed:gen:${userId}`;

/**
 * State. The listing of every live post: a sorted set whose members are post ids, all with score 0, so
 * Redis orders them by their bytes, and hex ObjectIds of one length sort as their creation times do.
 * A page is ZRANGE ... BYLEX REV from a cursor, its total is ZCARD. Kept by the cache projection.
 */
export const POSTS_LISTING_KEY = 'posts:listing';

/** State. The same listing for one author (feeds, and an author's posts). */
export const authorListingKey = (authorId: number | string): string => `posts:listing:author:${authorId}`;

/** Cache. A post as lists show it, with its version (contracts/post-events.ts ListedPost). */
export const postKey = (id: string): string => `post:${id}`;

/** State. Written when a post is deleted, so a late, older change cannot list it or cache it again. */
export const postTombstoneKey = (id: string): string => `post:${id}:deleted`;

/** A page's key without its generations: the pages of one family differ only in what they were built from. */
export const postsPageFamily = (limit: number, before: string | undefined): string => `posts:page:${limit}:${before ?? '-'}`;
export const feedPageFamily = (userId: number, limit: number): string => `feed:${userId}:${limit}`;

/** Cache. */
export const postsPageKey = (generation: number, limit: number, before: string | undefined): string => `posts:page:${generation}:${limit}:${before ?? '-'}`;

/** Cache. */
export const feedPageKey = (userId: number, postsGeneration: number, feedGeneration: number, limit: number): string => `feed:${userId}:${postsGeneration}:${feedGeneration}:${limit}`;

/** Cache. How many new pages (posts and feeds) this posts generation has cached lately: capped, see page-cache.ts. */
export const pageBudgetKey = (postsGeneration: number): string => `pages:budget:${postsGeneration}`;

/** A session, under the SHA-256 of its token (tokenHash): Redis never holds a token that could be replayed. */
export const sessionKey = (tokenHash: string): string => `session:${tokenHash}`;

/** The hashes of one user's sessions, so a password change, a deletion or a role change can end them all. */
export const userSessionsKey = (userId: number | string): string => `user-sessions:${userId}`;

/**
 * State. The change journal the reconciler's incremental check reads: per source, a sorted set of the
 * entities changed since the check last looked, scored by the source position of their latest change.
 * Members: users `{id}`, posts `{postId}:{authorId}`, graph (follows) `{followerId}:{followeeId}`. Kept
 * by the cache projection, trimmed to the newest CHANGE_JOURNAL_LIMIT; a trim leaves the overflow mark,
 * which tells the next check that only a full one covers everything.
 */
export const changeJournalKey = (source: 'users' | 'posts' | 'graph'): string => `reconcile:changes:${source}`;
export const changeJournalOverflowKey = (source: 'users' | 'posts' | 'graph'): string => `reconcile:changes:${source}:overflowed`;
/** The journal as a full check found it when it began: what the check covers, forgotten once it ends. */
export const changeJournalCoveredKey = (source: 'users' | 'posts' | 'graph'): string => `reconcile:changes:${source}:covered`;
export const CHANGE_JOURNAL_LIMIT = 100_000;
