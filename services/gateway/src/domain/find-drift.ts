// The pure half of the reconciler: listings of every store → the drift between
// each projection and its source of truth, each with the repair that fixes it
// from that source. No I/O here.
//
// Sources of truth: users in PostgreSQL, live posts in the document store,
// follows as FOLLOWS edges in Neo4j. A missing cached profile is a cache miss,
// not drift; a tombstone (user:{id}:deleted) is never listed.
import type { User } from '@polyglot/contracts/api';
import type { AnalyticsListing, AnalyticsRepair, CacheListing, Drift, GraphListing, PostsListing, ReconcileCounts } from '@polyglot/contracts/reconcile';

export interface Snapshot {
  users: readonly User[];
  posts: PostsListing;
  graph: GraphListing;
  analytics: AnalyticsListing;
  cache: CacheListing;
}

export type Fix =
  | { store: 'neo4j'; op: 'upsertUser'; id: number; name: string }
  | { store: 'neo4j'; op: 'deleteUser'; id: number }
  | { store: 'neo4j'; op: 'deletePost'; postId: string }
  | { store: 'neo4j'; op: 'linkPost'; postId: string; authorId: number }
  | { store: 'redis'; op: 'refresh'; digest: string; user: User }
  | { store: 'redis'; op: 'remove'; id: number; digest: string }
  | { store: 'redis'; op: 'list'; id: string; authorId: number }
  | { store: 'redis'; op: 'unlist'; id: string; inListing: boolean; authorIds: number[] }
  | { store: 'timescaledb'; op: 'user'; row: AnalyticsRepair['users'][number] }
  | { store: 'timescaledb'; op: 'post'; row: AnalyticsRepair['posts'][number] }
  | { store: 'timescaledb'; op: 'follow'; row: AnalyticsRepair['follows'][number] }
  | { store: 'timescaledb'; op: 'unrecordPostDeletion'; postId: string }
  | { store: 'ferretdb'; op: 'deleteAuthorPosts'; authorId: number };

export interface Finding {
  drift: Drift;
  /** null: reported, but not repairable automatically (an id no store could have been given). */
  fix: Fix | null;
}

/** Two findings with the same key describe the same drift (used to keep only what persists). */
export const findingKey = (d: Drift): string => `${d.store}|${d.entity}|${d.id}|${d.kind}|${d.expected}`;

const POST_ID = /^[0-9a-f]{24}$/;
const USER_ID = /^[1-9][0-9]{0,15}$/;
const asUserId = (id: string): number | null => (USER_ID.test(id) && Number.isSafeInteger(Number(id)) ? Number(id) : null);
const quoted = (value: string | null) => (value === null ? 'none' : JSON.stringify(value));
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** A first row's time must be an ISO 8601 instant; anything else (an old edge without one) leaves it to the store. */
const instant = (value: string | null): string | null => (value !== null && ISO.test(value) ? value : null);
const profile = (u: { id: number; email: string; name: string; created_at: string; updated_at: string }) => ({ id: u.id, email: u.email, name: u.name, created_at: u.created_at, updated_at: u.updated_at });

export function findDrift(snapshot: Snapshot): { findings: Finding[]; counts: ReconcileCounts } {
  const findings: Finding[] = [];
  const add = (drift: Drift, fix: Fix | null) => findings.push({ drift, fix });
  const users = new Map(snapshot.users.map((u) => [u.id, u]));

  // ---- users: Neo4j ----
  const nodes = new Map(snapshot.graph.users.map((u) => [u.id, u.name]));
  for (const user of users.values()) {
    const id = String(user.id);
    if (!nodes.has(user.id)) {
      add({ kind: 'missing', store: 'neo4j', entity: 'user', id, expected: `:User name ${quoted(user.name)}`, actual: null }, { store: 'neo4j', op: 'upsertUser', id: user.id, name: user.name });
    } else if (nodes.get(user.id) !== user.name) {
      add({ kind: 'stale', store: 'neo4j', entity: 'user', id, expected: `name ${quoted(user.name)}`, actual: `name ${quoted(nodes.get(user.id) ?? null)}` }, { store: 'neo4j', op: 'upsertUser', id: user.id, name: user.name });
    }
  }
  for (const [id, name] of nodes) {
    if (users.has(id)) continue;
    add({ kind: 'extra', store: 'neo4j', entity: 'user', id: String(id), expected: null, actual: `:User name ${quoted(name)} (no such user)` }, Number.isSafeInteger(id) && id > 0 ? { store: 'neo4j', op: 'deleteUser', id } : null);
  }

  // ---- users: the profile cache ----
  for (const cached of snapshot.cache.profiles) {
    const user = users.get(cached.id);
    const id = String(cached.id);
    if (!user) {
      add({ kind: 'extra', store: 'redis', entity: 'user', id, expected: null, actual: `profile name ${quoted(cached.name)} (no such user)` }, { store: 'redis', op: 'remove', id: cached.id, digest: cached.digest });
    } else if (cached.name === null || cached.email === null) {
      add({ kind: 'stale', store: 'redis', entity: 'user', id, expected: `name ${quoted(user.name)}, email ${quoted(user.email)}`, actual: 'an unreadable profile' }, { store: 'redis', op: 'refresh', digest: cached.digest, user: profile(user) });
    } else if (cached.name !== user.name || cached.email !== user.email) {
      add(
        { kind: 'stale', store: 'redis', entity: 'user', id, expected: `name ${quoted(user.name)}, email ${quoted(user.email)}`, actual: `name ${quoted(cached.name)}, email ${quoted(cached.email)}` },
        { store: 'redis', op: 'refresh', digest: cached.digest, user: profile(user) },
      );
    }
  }

  // ---- users: events ----
  const userEvents = new Map(snapshot.analytics.users.map((u) => [u.id, u]));
  for (const user of users.values()) {
    const id = String(user.id);
    const recorded = userEvents.get(id);
    if (!recorded?.created) {
      add(
        { kind: 'missing', store: 'timescaledb', entity: 'user', id, expected: 'a USER_CREATED row', actual: recorded ? `no USER_CREATED row (latest ${recorded.latest})` : 'no USER_* rows' },
        { store: 'timescaledb', op: 'user', row: { id: user.id, type: 'USER_CREATED', at: instant(user.created_at), data: profile(user) } },
      );
    }
    if (recorded?.latest === 'USER_DELETED') {
      add(
        { kind: 'stale', store: 'timescaledb', entity: 'user', id, expected: 'latest USER_* event not USER_DELETED (the user exists)', actual: 'latest USER_DELETED' },
        { store: 'timescaledb', op: 'user', row: { id: user.id, type: 'USER_UPDATED', at: null, data: profile(user) } },
      );
    }
  }
  for (const recorded of userEvents.values()) {
    const userId = asUserId(recorded.id);
    if (recorded.latest === 'USER_DELETED' || (userId !== null && users.has(userId))) continue;
    add(
      { kind: 'missing', store: 'timescaledb', entity: 'user', id: recorded.id, expected: 'latest USER_DELETED (no such user)', actual: `latest ${recorded.latest}` },
      userId === null ? null : { store: 'timescaledb', op: 'user', row: { id: userId, type: 'USER_DELETED', at: null, data: { id: userId } } },
    );
  }

  // ---- posts ----
  const posts = new Map(snapshot.posts.posts.map((p) => [p.id, p]));
  const postNodes = new Map(snapshot.graph.posts.map((p) => [p.id, p.authors]));
  const postEvents = new Map(snapshot.analytics.posts.map((p) => [p.id, p]));
  for (const post of posts.values()) {
    if (!users.has(post.authorId)) {
      // The user-deletion cascade missed it: the posts service removes it (with its events) like any cascade.
      add({ kind: 'extra', store: 'ferretdb', entity: 'post', id: post.id, expected: `no live post (user ${post.authorId} does not exist)`, actual: `live post by ${post.authorId}` }, { store: 'ferretdb', op: 'deleteAuthorPosts', authorId: post.authorId });
      continue;
    }
    const authors = postNodes.get(post.id);
    if (!authors || authors.length === 0) {
      add({ kind: 'missing', store: 'neo4j', entity: 'post', id: post.id, expected: `POSTED by ${post.authorId}`, actual: authors ? ':Post without a POSTED edge' : null }, { store: 'neo4j', op: 'linkPost', postId: post.id, authorId: post.authorId });
    } else if (authors.length !== 1 || authors[0] !== post.authorId) {
      add({ kind: 'stale', store: 'neo4j', entity: 'post', id: post.id, expected: `POSTED by ${post.authorId}`, actual: `POSTED by ${authors.join(', ')}` }, { store: 'neo4j', op: 'linkPost', postId: post.id, authorId: post.authorId });
    }
    const recorded = postEvents.get(post.id);
    if (!recorded?.created) {
      add(
        { kind: 'missing', store: 'timescaledb', entity: 'post', id: post.id, expected: 'a POST_CREATED row', actual: recorded ? 'no POST_CREATED row' : 'no POST_* rows' },
        { store: 'timescaledb', op: 'post', row: { id: post.id, type: 'POST_CREATED', authorId: post.authorId, at: instant(post.createdAt), data: {} } },
      );
    }
    if (recorded?.deleted) {
      add({ kind: 'stale', store: 'timescaledb', entity: 'post', id: post.id, expected: 'no POST_DELETED row (the post is live)', actual: 'a POST_DELETED row' }, { store: 'timescaledb', op: 'unrecordPostDeletion', postId: post.id });
    }
  }
  for (const [id, authors] of postNodes) {
    if (posts.has(id)) continue;
    add(
      { kind: 'extra', store: 'neo4j', entity: 'post', id, expected: null, actual: authors.length > 0 ? `POSTED by ${authors.join(', ')} (no live post)` : ':Post without a POSTED edge (no live post)' },
      POST_ID.test(id) ? { store: 'neo4j', op: 'deletePost', postId: id } : null,
    );
  }
  for (const recorded of postEvents.values()) {
    if (posts.has(recorded.id) || !recorded.created || recorded.deleted) continue;
    add(
      { kind: 'missing', store: 'timescaledb', entity: 'post', id: recorded.id, expected: 'a POST_DELETED row (no live post)', actual: 'POST_CREATED without POST_DELETED' },
      POST_ID.test(recorded.id) ? { store: 'timescaledb', op: 'post', row: { id: recorded.id, type: 'POST_DELETED', authorId: null, at: null, data: {} } } : null,
    );
  }

  // ---- posts: the listings (state store) ----
  const listed = new Map(snapshot.cache.listed.map((l) => [l.id, l]));
  for (const post of posts.values()) {
    const entry = listed.get(post.id);
    if (entry?.inListing && entry.authorIds.includes(post.authorId)) continue;
    const where = entry?.inListing ? `the listing, not author ${post.authorId}'s` : entry ? `author ${entry.authorIds.join(', ')}'s listing only` : 'no listing';
    add({ kind: 'missing', store: 'redis', entity: 'post', id: post.id, expected: `listed, by author ${post.authorId}`, actual: `in ${where}` }, { store: 'redis', op: 'list', id: post.id, authorId: post.authorId });
  }
  for (const entry of listed.values()) {
    const live = posts.get(entry.id);
    const wrongAuthors = entry.authorIds.filter((a) => a !== live?.authorId);
    if (live && wrongAuthors.length === 0) continue;
    const inListing = entry.inListing && !live;
    if (!inListing && wrongAuthors.length === 0) continue;
    add(
      { kind: 'extra', store: 'redis', entity: 'post', id: entry.id, expected: live ? `listed only by author ${live.authorId}` : null, actual: `listed${entry.authorIds.length > 0 ? ` by author ${entry.authorIds.join(', ')}` : ''}${live ? '' : ' (no such live post)'}` },
      POST_ID.test(entry.id) ? { store: 'redis', op: 'unlist', id: entry.id, inListing, authorIds: wrongAuthors.filter((a) => Number.isSafeInteger(a) && a > 0) } : null,
    );
  }

  // ---- follows: FOLLOWS edges are the source; events must agree ----
  const edges = new Map(snapshot.graph.follows.map((f) => [`${f.followerId}->${f.followeeId}`, f]));
  const followEvents = new Map(snapshot.analytics.follows.map((f) => [`${f.followerId}->${f.followeeId}`, f]));
  for (const [pair, edge] of edges) {
    const gone = [edge.followerId, edge.followeeId].find((id) => !users.has(id));
    if (gone !== undefined) {
      // Removing the user's node (above) takes its follows, each announced as FOLLOW_DELETED.
      add({ kind: 'extra', store: 'neo4j', entity: 'follow', id: pair, expected: `no edge (user ${gone} does not exist)`, actual: 'FOLLOWS edge' }, Number.isSafeInteger(gone) && gone > 0 ? { store: 'neo4j', op: 'deleteUser', id: gone } : null);
      continue;
    }
    const recorded = followEvents.get(pair);
    if (recorded?.latest !== 'FOLLOW_CREATED') {
      add(
        { kind: 'missing', store: 'timescaledb', entity: 'follow', id: pair, expected: 'latest FOLLOW_CREATED (the edge exists)', actual: recorded ? `latest ${recorded.latest}` : 'no FOLLOW_* rows' },
        { store: 'timescaledb', op: 'follow', row: { followerId: edge.followerId, followeeId: edge.followeeId, type: 'FOLLOW_CREATED', at: instant(edge.createdAt) } },
      );
    }
  }
  for (const [pair, recorded] of followEvents) {
    if (recorded.latest !== 'FOLLOW_CREATED' || edges.has(pair)) continue;
    const valid = [recorded.followerId, recorded.followeeId].every((id) => Number.isSafeInteger(id) && id > 0);
    add(
      { kind: 'missing', store: 'timescaledb', entity: 'follow', id: pair, expected: 'latest FOLLOW_DELETED (no edge)', actual: 'latest FOLLOW_CREATED' },
      valid ? { store: 'timescaledb', op: 'follow', row: { followerId: recorded.followerId, followeeId: recorded.followeeId, type: 'FOLLOW_DELETED', at: null } } : null,
    );
  }

  const counts: ReconcileCounts = {
    users: {
      postgres: users.size,
      neo4j: nodes.size,
      redis: snapshot.cache.profiles.length,
      timescaledb: snapshot.analytics.users.filter((u) => u.latest !== 'USER_DELETED').length,
    },
    posts: {
      ferretdb: posts.size,
      neo4j: snapshot.graph.posts.filter((p) => p.authors.length > 0).length,
      timescaledb: snapshot.analytics.posts.filter((p) => p.created && !p.deleted).length,
      redis: snapshot.cache.listed.filter((l) => l.inListing).length,
      redisAuthorListings: snapshot.cache.listed.reduce((n, l) => n + l.authorIds.length, 0),
    },
    follows: { neo4j: edges.size, timescaledb: snapshot.analytics.follows.filter((f) => f.latest === 'FOLLOW_CREATED').length },
  };
  return { findings, counts };
}
