// Redis key names, shared by the cache projection (which writes and
// invalidates) and the gateway (which reads and fills). Pages carry a
// generation number in their key: bumping the generation invalidates every
// page built from older data in one O(1) step.

export const userKey = (id: number | string): string => `user:${id}`;

/** Written when a user is deleted, so a late, older update cannot bring the profile back. */
export const userTombstoneKey = (id: number | string): string => `user:${id}:deleted`;

/** Bumped by every post, like or comment change and every user rename or deletion. */
export const POSTS_GENERATION_KEY = 'posts:gen';

/** Bumped when this user follows or unfollows someone. */
export const feedGenerationKey = (userId: number | string): string => `feed:gen:${userId}`;

export const postsPageKey = (generation: number, limit: number, before: string | undefined): string => `posts:page:${generation}:${limit}:${before ?? '-'}`;

export const feedPageKey = (userId: number, postsGeneration: number, feedGeneration: number, limit: number): string => `feed:${userId}:${postsGeneration}:${feedGeneration}:${limit}`;

export const sessionKey = (token: string): string => `session:${token}`;
