// The Redis operations the cache repository applies (cache.repository.ts): what
// the cache projection's plan of a change is made of (domain/cache-projection.ts).
import type { UserSnapshot } from '@polyglot/contracts/events';
import type { ListedPost } from '@polyglot/contracts/post-events';

/** What user:{id} holds: the public profile and the source position it reflects. */
export type CachedUser = UserSnapshot & { position: number };

/** ZADD GT the member under the change's position; trim the oldest beyond `limit`, marking the overflow. */
export interface JournalEntry {
  kind: 'journal';
  key: string;
  overflowKey: string;
  member: string;
  position: number;
  limit: number;
}

export type CacheOperation =
  /** SET key = user, only if the cached entry is older and no tombstone at or after position exists. */
  | { kind: 'putUser'; key: string; tombstoneKey: string; position: number; user: CachedUser }
  /** DEL key and SET tombstoneKey = position EX ttl, under the same guard. */
  | { kind: 'deleteUser'; key: string; tombstoneKey: string; position: number; ttlSeconds: number }
  /** INCR key: a generation number that is part of cached page keys. */
  | { kind: 'bump'; key: string }
  /** ZADD the post to the listing and to its author's, unless its tombstone exists (any post event but a deletion). */
  | { kind: 'listPost'; id: string; authorKey: string; tombstoneKey: string }
  /** SET tombstoneKey EX ttl, then ZREM the post from both listings and DEL its cached copy. */
  | { kind: 'unlistPost'; id: string; authorKey: string; key: string; tombstoneKey: string; ttlSeconds: number }
  /** SET key = post, only if the cached copy has an older version and the post has no tombstone. */
  | { kind: 'putPost'; key: string; tombstoneKey: string; version: number; post: ListedPost }
  /** DEL key: an event recorded before events carried the post's view; the next read fills it from the source. */
  | { kind: 'dropPost'; key: string }
  /** SET key = value, unguarded: only the test fault staleApply plans it (domain/stale-apply-fault.ts). */
  | { kind: 'overwrite'; key: string; value: string }
  /** The changed entity, for the reconciler's incremental check (domain/change-journal.ts). */
  | JournalEntry;
