// The pure half of the cache projection: one ChangeEvent → the Redis operations
// that keep the profile cache right and invalidate pages built from old data.
// The applier runs them in order; the user writes are guarded by position, so
// replays and late, older messages change nothing.
import { POSTS_GENERATION_KEY, feedGenerationKey, userKey, userTombstoneKey } from '@polyglot/contracts/cache-keys';
import { UserSnapshot, type ChangeEvent } from '@polyglot/contracts/events';

/** What user:{id} holds: the public profile and the source position it reflects. */
export type CachedUser = UserSnapshot & { position: number };

/** A deleted user's tombstone outlives any plausible redelivery of its older changes. */
export const TOMBSTONE_TTL_SECONDS = 3600;

export type CacheOperation =
  /** SET key = user, only if the cached entry is older and no tombstone at or after position exists. */
  | { kind: 'putUser'; key: string; tombstoneKey: string; position: number; user: CachedUser }
  /** DEL key and SET tombstoneKey = position EX ttl, under the same guard. */
  | { kind: 'deleteUser'; key: string; tombstoneKey: string; position: number; ttlSeconds: number }
  /** INCR key: a generation number that is part of cached page keys. */
  | { kind: 'bump'; key: string };

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
    case 'POST_CREATED':
    case 'POST_UPDATED':
    case 'POST_DELETED':
    case 'POST_LIKED':
    case 'COMMENT_CREATED':
    case 'COMMENT_DELETED':
      return [{ kind: 'bump', key: POSTS_GENERATION_KEY }];
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
