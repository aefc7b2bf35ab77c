// The pure half of the cache projection: one ChangeEvent → the Redis operations
// that keep the profile cache, the post listings and the cached posts right,
// and invalidate pages built from old data. The applier runs them in order;
// the writes are guarded by position (users), version (posts) and tombstones,
// so replays and late, older messages change nothing.
import { POSTS_GENERATION_KEY, authorListingKey, feedGenerationKey, postKey, postTombstoneKey, userKey, userTombstoneKey } from '@polyglot/contracts/cache-keys';
import { UserSnapshot, type ChangeEvent } from '@polyglot/contracts/events';
import { ListedPost } from '@polyglot/contracts/post-events';
import type { CacheOperation } from '../data-access/cache-operations.ts';

/** A deleted user's tombstone outlives any plausible redelivery of its older changes. */
export const TOMBSTONE_TTL_SECONDS = 3600;

export function planCacheChange(event: ChangeEvent | null): CacheOperation[] {
  if (event === null) return [];
  switch (event.type) {
    case 'USER_CREATED':
    case 'USER_UPDATED': {
      const user = UserSnapshot.parse(event.data);
      return [
        { kind: 'putUser', key: userKey(event.entityId), tombstoneKey: userTombstoneKey(event.entityId), position: event.position, user: { ...user, position: event.position } },
        // Cached pages embed author names, which may just have changed.
        { kind: 'bump', key: POSTS_GENERATION_KEY },
      ];
    }
    case 'USER_DELETED':
      return [
        { kind: 'deleteUser', key: userKey(event.entityId), tombstoneKey: userTombstoneKey(event.entityId), position: event.position, ttlSeconds: TOMBSTONE_TTL_SECONDS },
        { kind: 'bump', key: POSTS_GENERATION_KEY },
      ];
    case 'POST_DELETED': {
      const id = event.entityId;
      return [
        { kind: 'unlistPost', id, authorKey: authorListingKey(postAuthorOf(event)), key: postKey(id), tombstoneKey: postTombstoneKey(id), ttlSeconds: TOMBSTONE_TTL_SECONDS },
        { kind: 'bump', key: POSTS_GENERATION_KEY },
      ];
    }
    case 'POST_CREATED':
    case 'POST_UPDATED':
    case 'POST_LIKED':
    case 'COMMENT_CREATED':
    case 'COMMENT_DELETED': {
      const id = event.entityId;
      const listed = ListedPost.safeParse(event.data.post);
      return [
        // Every change of a live post lists it (idempotent): a listing that missed its creation heals on its next change.
        { kind: 'listPost', id, authorKey: authorListingKey(postAuthorOf(event)), tombstoneKey: postTombstoneKey(id) },
        listed.success
          ? { kind: 'putPost', key: postKey(id), tombstoneKey: postTombstoneKey(id), version: listed.data.version, post: listed.data }
          : { kind: 'dropPost', key: postKey(id) },
        { kind: 'bump', key: POSTS_GENERATION_KEY },
      ];
    }
    case 'FOLLOW_CREATED':
    case 'FOLLOW_DELETED':
      // Follow events are keyed by the follower; only the follower's feed changes.
      return [{ kind: 'bump', key: feedGenerationKey(followerOf(event)) }];
  }
}

function followerOf(event: ChangeEvent): string {
  const followerId = event.data.followerId;
  return typeof followerId === 'number' || typeof followerId === 'string' ? String(followerId) : event.entityId;
}

/** The post's author: a comment event's author_id is the comment's, its post_author_id the post's. */
function postAuthorOf(event: ChangeEvent): string {
  const { post, post_author_id: postAuthor, author_id: author } = event.data as { post?: { author_id?: unknown }; post_author_id?: unknown; author_id?: unknown };
  for (const candidate of [post?.author_id, postAuthor, author]) {
    if (typeof candidate === 'number' && Number.isSafeInteger(candidate) && candidate > 0) return String(candidate);
  }
  throw new EventWithoutAuthorError(`${event.type} of post ${event.entityId} names no author (data.post.author_id, post_author_id or author_id)`);
}

/** A post event whose data names no author: it can never be listed, so it is dead-lettered at once. */
export class EventWithoutAuthorError extends Error {
  override name = 'EventWithoutAuthorError';
}
