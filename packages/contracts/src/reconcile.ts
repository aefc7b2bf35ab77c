// The reconciler's shapes. The gateway compares what each store holds against
// its source of truth; each owning service answers a compact listing of its
// store (GET /internal/reconcile/...) and applies repairs to it (POST
// /internal/reconcile/.../repair), so no service opens another's store.
import { z } from 'zod';

const userId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const postId = z.string().regex(/^[0-9a-f]{24}$/, 'a post id is 24 hexadecimal characters');
const isoTime = z.iso.datetime({ offset: true });

/** Repair requests may name thousands of entities: they get a larger body limit than the API's 64 KiB. */
export const REPAIR_BODY_LIMIT = 32 * 1024 * 1024;

/** At most this many entities of each kind in one scoped listing (POST /internal/reconcile/scope). */
export const MAX_SCOPE = 10_000;

/**
 * The entities a scoped listing is asked about (the incremental check: what changed since its last look).
 * Each service answers the same listing shape as its full one, restricted to these. A post names its author
 * when known, so the author's listing can be looked at.
 */
export const ReconcileScope = z.strictObject({
  users: z.array(userId).max(MAX_SCOPE).default([]),
  posts: z.array(z.strictObject({ id: postId, authorId: userId.nullable() })).max(MAX_SCOPE).default([]),
  follows: z.array(z.strictObject({ followerId: userId, followeeId: userId })).max(MAX_SCOPE).default([]),
});
export type ReconcileScope = z.infer<typeof ReconcileScope>;

/** A page of one kind of entity, in the store's key order, for the full check's streaming passes. */
export const ReconcilePageQuery = z.strictObject({
  after: z.string().max(200).optional().describe('the `next` of the previous page; absent: from the start'),
  limit: z.coerce.number().int().min(1).max(MAX_SCOPE).default(2000),
});
export type ReconcilePageQuery = z.infer<typeof ReconcilePageQuery>;
export const ReconcileKind = z.enum(['users', 'posts', 'follows']);
export type ReconcileKind = z.infer<typeof ReconcileKind>;
export const ReconcilePageParams = z.strictObject({ kind: ReconcileKind });

/** How many entities a projection holds, for the full check to tell whether it holds more than the sources have. */
export const ReconcileTotals = z.object({ users: z.number().int(), posts: z.number().int(), follows: z.number().int() });
export type ReconcileTotals = z.infer<typeof ReconcileTotals>;

// ---- graph (Neo4j) ----

export const GraphListing = z.object({
  users: z.array(z.object({ id: z.number().int(), name: z.string().nullable() })),
  /** Every :Post node with the ids of the users that have a POSTED edge to it. */
  posts: z.array(z.object({ id: z.string(), authors: z.array(z.number().int()) })),
  follows: z.array(z.object({ followerId: z.number().int(), followeeId: z.number().int(), createdAt: z.string().nullable() })),
});
export type GraphListing = z.infer<typeof GraphListing>;
export const GraphPage = z.object({ listing: GraphListing, next: z.string().nullable().describe('the `after` of the next page; null at the end') });
export type GraphPage = z.infer<typeof GraphPage>;

export const GraphRepair = z.strictObject({
  /** MERGE the node and set its name (the users table's). */
  upsertUsers: z.array(z.strictObject({ id: userId, name: z.string() })).max(100_000).default([]),
  /** Users gone from the users table: their follows are announced as FOLLOW_DELETED, then DETACH DELETE. */
  deleteUsers: z.array(userId).max(100_000).default([]),
  /** Posts that are not live: DETACH DELETE the :Post node. */
  deletePosts: z.array(postId).max(100_000).default([]),
  /** Live posts: exactly one POSTED edge, from their author (whose node must exist). */
  linkPosts: z.array(z.strictObject({ postId, authorId: userId })).max(100_000).default([]),
});
export type GraphRepair = z.infer<typeof GraphRepair>;

export const GraphRepairResult = z.object({
  usersUpserted: z.number().int(),
  usersDeleted: z.number().int(),
  followsAnnounced: z.number().int().describe('FOLLOW_DELETED outbox events written for the follows of deleted users'),
  postsDeleted: z.number().int(),
  postsLinked: z.number().int(),
});
export type GraphRepairResult = z.infer<typeof GraphRepairResult>;

// ---- posts (FerretDB / MongoDB) ----

export const PostsListing = z.object({
  posts: z.array(z.object({ id: z.string(), authorId: z.number().int(), createdAt: z.string() })),
});
export type PostsListing = z.infer<typeof PostsListing>;

// ---- analytics (TimescaleDB) ----

export const UserEventTypes = z.enum(['USER_CREATED', 'USER_UPDATED', 'USER_DELETED']);
export const PostLifecycleTypes = z.enum(['POST_CREATED', 'POST_DELETED']);
export const FollowEventTypes = z.enum(['FOLLOW_CREATED', 'FOLLOW_DELETED']);

export const AnalyticsListing = z.object({
  /** Per user entity: whether a USER_CREATED row exists, and the latest USER_* event (by position, then time). */
  users: z.array(z.object({ id: z.string(), created: z.boolean(), latest: UserEventTypes })),
  /** Per post entity: whether POST_CREATED and POST_DELETED rows exist. */
  posts: z.array(z.object({ id: z.string(), created: z.boolean(), deleted: z.boolean() })),
  /** Per (follower, followee) pair: the latest FOLLOW_* event. */
  follows: z.array(z.object({ followerId: z.number().int(), followeeId: z.number().int(), latest: FollowEventTypes })),
});
export type AnalyticsListing = z.infer<typeof AnalyticsListing>;
export const AnalyticsPage = z.object({ listing: AnalyticsListing, next: z.string().nullable().describe('the `after` of the next page; null at the end') });
export type AnalyticsPage = z.infer<typeof AnalyticsPage>;

const data = z.record(z.string(), z.unknown());

export const AnalyticsRepair = z.strictObject({
  /** Appended only while still needed; `at` is the time of an entity's first row (its creation). */
  users: z.array(z.strictObject({ id: userId, type: UserEventTypes, at: isoTime.nullable(), data })).max(100_000).default([]),
  posts: z.array(z.strictObject({ id: postId, type: PostLifecycleTypes, authorId: userId.nullable(), at: isoTime.nullable(), data })).max(100_000).default([]),
  follows: z.array(z.strictObject({ followerId: userId, followeeId: userId, type: FollowEventTypes, at: isoTime.nullable() })).max(100_000).default([]),
  /** Live posts recorded as deleted: their POST_DELETED rows are removed. */
  unrecordPostDeletions: z.array(postId).max(100_000).default([]),
});
export type AnalyticsRepair = z.infer<typeof AnalyticsRepair>;

export const AnalyticsRepairResult = z.object({
  appended: z.number().int().describe('rows inserted, each marked properties.reconciled = true'),
  unchanged: z.number().int().describe('asked for but no longer needed, or already there (a repeated repair)'),
  removed: z.number().int(),
});
export type AnalyticsRepairResult = z.infer<typeof AnalyticsRepairResult>;

// ---- cache (Redis, projectors) ----

export const CacheListing = z.object({
  /** Every user:{id} profile (tombstones user:{id}:deleted excluded); name and email null when unparseable. */
  profiles: z.array(
    z.object({
      id: z.number().int(),
      name: z.string().nullable(),
      email: z.string().nullable(),
      position: z.number().nullable(),
      digest: z.string().describe('SHA-1 of the raw value: a repair applies only if the entry is still this one'),
    }),
  ),
  /** Every post id in the listing of live posts (state store), and in which author listings each is. */
  listed: z.array(z.object({ id: z.string(), inListing: z.boolean(), authorIds: z.array(z.number().int()) })),
});
export type CacheListing = z.infer<typeof CacheListing>;
export const CachePage = z.object({
  listing: CacheListing,
  next: z.string().nullable().describe('the `after` of the next page (a SCAN cursor for profiles, `{cursor}:{authorId}:{postId}` within a SCAN step for authors); null at the end'),
});
export type CachePage = z.infer<typeof CachePage>;
/** The cache's kinds: cached profiles (SCAN), the listing of live posts (BYLEX), the authors' listings (SCAN, then BYLEX in each). */
export const CacheKind = z.enum(['profiles', 'listing', 'authors']);
export type CacheKind = z.infer<typeof CacheKind>;
export const CachePageParams = z.strictObject({ kind: CacheKind });
export const CacheTotals = z.object({
  listing: z.number().int().describe('ids in the listing of live posts (ZCARD)'),
  authorListings: z.number().int().describe("entries in all authors' listings (the sum of their ZCARDs)"),
});
export type CacheTotals = z.infer<typeof CacheTotals>;

const CachedProfileUser = z.strictObject({ id: userId, email: z.string(), name: z.string(), created_at: z.string(), updated_at: z.string() });

export const CacheRepair = z.strictObject({
  /** Rewrite the profile from the users table, keeping the entry's position. */
  refresh: z.array(z.strictObject({ digest: z.string(), user: CachedProfileUser })).max(100_000).default([]),
  /** Remove profiles of users that are gone. */
  remove: z.array(z.strictObject({ id: userId, digest: z.string() })).max(100_000).default([]),
  /** Live posts missing from the listing or from their author's: listed, unless deleted meanwhile (a tombstone). */
  list: z.array(z.strictObject({ id: postId, authorId: userId })).max(100_000).default([]),
  /** Ids the listings hold that are not live posts (or not this author's): taken off the listing and those author listings. */
  unlist: z.array(z.strictObject({ id: postId, inListing: z.boolean(), authorIds: z.array(userId).max(1000) })).max(100_000).default([]),
});
export type CacheRepair = z.infer<typeof CacheRepair>;

export const CacheRepairResult = z.object({
  refreshed: z.number().int(),
  removed: z.number().int(),
  listed: z.number().int().describe('posts added to the listings'),
  unlisted: z.number().int().describe('ids taken off the listings'),
  unchanged: z.number().int().describe('entries that changed since they were listed (the projection wrote them) or are gone'),
});
export type CacheRepairResult = z.infer<typeof CacheRepairResult>;

// ---- the gateway's report ----

export const DriftStore = z.enum(['neo4j', 'redis', 'timescaledb', 'ferretdb']);
export type DriftStore = z.infer<typeof DriftStore>;

export const Drift = z.object({
  kind: z.enum(['missing', 'extra', 'stale']).describe('missing: the store lacks what the source has; extra: it holds what the source no longer has; stale: it holds something different'),
  store: DriftStore.describe('the store that is wrong'),
  entity: z.enum(['user', 'post', 'follow']),
  id: z.string().describe('user id, post id, or "followerId->followeeId"'),
  expected: z.string().nullable().describe('what the source of truth implies'),
  actual: z.string().nullable().describe('what the store holds'),
});
export type Drift = z.infer<typeof Drift>;

export const ReconcileCounts = z.object({
  users: z.object({ postgres: z.number().int(), neo4j: z.number().int(), redis: z.number().int(), timescaledb: z.number().int() }),
  posts: z.object({
    ferretdb: z.number().int(),
    neo4j: z.number().int(),
    timescaledb: z.number().int(),
    redis: z.number().int().describe('ids in the listing of live posts'),
    redisAuthorListings: z.number().int().describe("entries in the authors' listings (a post is in its author's)"),
  }),
  follows: z.object({ neo4j: z.number().int(), timescaledb: z.number().int() }),
});
export type ReconcileCounts = z.infer<typeof ReconcileCounts>;

export const ReconcileReport = z.object({
  checkedAt: z.string().describe('ISO 8601, when the (last) comparison was taken'),
  durationMs: z.number().int(),
  passes: z.number().int().describe('1 when the first comparison was clean; 2 when suspects were compared again after the pipeline settled'),
  drift: z.array(Drift).describe('only drift seen in both passes: a change still in flight is not drift'),
  counts: ReconcileCounts.describe('entities present in each store (users and posts: live ones; follows: edges, or pairs whose latest event is FOLLOW_CREATED); in an incremental check, among the entities it looked at'),
  total: z.number().int(),
  scope: z.enum(['full', 'changes']).describe('full: every entity of every store; changes: only the entities the change journal names (the incremental check)'),
  changes: z
    .object({
      users: z.number().int(),
      posts: z.number().int(),
      follows: z.number().int(),
      remaining: z.number().int().describe('changed entities left for the next incremental check'),
      overflowed: z.array(z.enum(['users', 'posts', 'graph'])).describe('sources whose journal was trimmed since the last full check: run a full check to cover them'),
    })
    .nullable()
    .describe('the incremental check: the changed entities it looked at, per kind'),
});
export const ReconcileQuery = z.object({
  scope: z.enum(['full', 'changes']).default('full').describe('changes: only what changed since the last incremental check (by source position); full (default): everything'),
});
export type ReconcileReport = z.infer<typeof ReconcileReport>;

export const RepairReport = z.object({
  repaired: z.array(Drift).describe('the drift the repair acted on'),
  actions: z.object({
    neo4j: GraphRepairResult.nullable(),
    redis: CacheRepairResult.nullable(),
    timescaledb: AnalyticsRepairResult.nullable(),
    ferretdb: z.object({ authors: z.number().int(), postsDeleted: z.number().int() }).nullable().describe("posts of deleted users, removed through the posts service's cascade"),
  }),
  durationMs: z.number().int(),
  report: ReconcileReport.describe('a fresh comparison after the repairs went through the pipeline'),
});
export type RepairReport = z.infer<typeof RepairReport>;

/** Where the running check is; null when none runs. The full check reads every entity a batch at a time. */
export const ReconcileProgress = z.object({
  running: z
    .object({
      scope: z.enum(['full', 'changes']),
      phase: z.string().describe('what it reads now, e.g. "posts (document store)"'),
      startedAt: z.string().describe('ISO 8601'),
      checked: z.object({ users: z.number().int(), posts: z.number().int(), follows: z.number().int(), extras: z.number().int().describe('ids a projection holds, read through to find those no source has') }),
      perSecond: z.number().int().describe('entities compared per second since it started'),
    })
    .nullable(),
});
export type ReconcileProgress = z.infer<typeof ReconcileProgress>;
