// Request and response shapes of the REST API, as zod schemas. The gateway's
// OpenAPI document is generated from these, and services validate with the
// same ones. Bodies are strict: an unknown key (such as "$where") is rejected.
import { z } from 'zod';
import { ProjectionHealth, ServiceHealth, TracingHealth } from './health.ts';

export const ErrorBody = z.object({
  error: z.string().describe('What went wrong and what to do about it'),
  code: z.string().describe('A stable code from the error registry'),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

const positiveId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const ID_MESSAGE = 'an id is a positive whole number up to 2^53 - 1, given as a JSON number or a string of its digits (17 or "17")';
// abort: one message per bad id, not one per failed check.
const idNumber = z
  .number({ error: ID_MESSAGE })
  .int({ error: ID_MESSAGE, abort: true })
  .positive({ error: ID_MESSAGE, abort: true })
  .max(Number.MAX_SAFE_INTEGER, { error: ID_MESSAGE, abort: true });

/**
 * A user id wherever a client gives one (bodies, paths, queries, GraphQL arguments):
 * a JSON integer, or its decimal digits as a string, as an HTML <select> sends it.
 * Parsed to the integer, which is what is stored. The digits are the number's own
 * spelling (no sign, space, leading zero or fraction), so one id has one spelling.
 */
export const Id = z
  .union([idNumber, z.string().regex(/^[1-9][0-9]{0,15}$/, ID_MESSAGE).transform(Number).pipe(idNumber)], { error: ID_MESSAGE })
  .describe('a user id: a positive whole number up to 2^53 - 1, as a JSON number (17) or a string of its digits ("17")');

/** A user id as it appears in a path: digits only. */
export const UserIdParam = z.object({ id: Id });

/** A post id in a path: MongoDB ObjectId, 24 hex digits. */
export const PostIdParam = z.object({
  id: z.string().regex(/^[0-9a-f]{24}$/, 'a post id is 24 hexadecimal characters'),
});

export const CommentIdParam = PostIdParam.extend({
  commentId: z.uuid({ message: 'a comment id is a UUID' }),
});

// ---- users ----

export const User = z.object({
  id: positiveId,
  email: z.string(),
  name: z.string(),
  created_at: z.string().describe('ISO 8601'),
  updated_at: z.string().describe('ISO 8601'),
});
export type User = z.infer<typeof User>;

/** Who may operate the system (faults, lab, reconciler) with AUTH_REQUIRED on. Set only by ./stackctl admin grant|revoke EMAIL. */
export const Role = z.enum(['user', 'admin']);
export type Role = z.infer<typeof Role>;

/** A user with their role: what the users service answers the gateway, and what /auth/me and a login show of oneself. */
export const Account = User.extend({ role: Role.describe('admin: may use /faults, the lab and the reconciler when AUTH_REQUIRED is on (./stackctl admin grant EMAIL)') });
export type Account = z.infer<typeof Account>;

/** A user as GET /users and GET /users/:id show them: with AUTH_REQUIRED on, the email only to its owner. */
export const UserView = User.extend({ email: z.string().optional().describe("absent, when AUTH_REQUIRED is on, for anyone but the user themselves") });
export type UserView = z.infer<typeof UserView>;

const email = z.email({ message: 'email must be an email address' }).max(320);
const name = z.string().trim().min(1, 'name must not be empty').max(200);
const password = z.string().min(8, 'password must have at least 8 characters').max(256);

export const CreateUserBody = z.strictObject({ email, name, password });
export type CreateUserBody = z.infer<typeof CreateUserBody>;

export const UpdateUserBody = z.strictObject({
  email,
  name,
  password: z
    .union([password, z.literal(''), z.null()])
    .optional()
    .describe('null, empty or absent: the password stays unchanged'),
  currentPassword: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .describe('with AUTH_REQUIRED on, needed to change the email or the password (403 CURRENT_PASSWORD_REQUIRED without it)'),
});
export type UpdateUserBody = z.infer<typeof UpdateUserBody>;

export const LoginBody = z.strictObject({ email, password: z.string().min(1).max(256) });

/** The most ids one GET /users?ids=… may ask for (keeps the URL and the query bounded). */
export const MAX_USER_IDS = 500;

/**
 * GET /users and GET /relationships answer a bare array, as clients expect, but never more than a page:
 * LIST_LIMIT (default 1,000) unless ?limit= asks for fewer or more (at most MAX_LIST_LIMIT), with a
 * Link (rel="next") to the rest. A list of a million rows is not an answer anyone can use.
 */
export const DEFAULT_LIST_LIMIT = 1000;
export const MAX_LIST_LIMIT = 10_000;
const listLimit = z.coerce.number().int().min(1).max(MAX_LIST_LIMIT).optional().describe(`at most this many (default LIST_LIMIT, ${DEFAULT_LIST_LIMIT}; at most ${MAX_LIST_LIMIT})`);

/** id: oldest first, the order clients have always had; newest: the latest sign-ups first. */
export const USER_ORDERS = ['id', 'newest'] as const;
export type UserOrder = (typeof USER_ORDERS)[number];
const userOrder = z.enum(USER_ORDERS).optional().describe('id (default): by id, oldest first; newest: by id, newest first');

export const UsersPageQuery = z.strictObject({
  limit: listLimit,
  after: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().describe('only users past this id in the order: a larger id by id, a smaller one newest first (the Link of the previous page gives it)'),
  order: userOrder,
});

/** A follow's place in GET /relationships, which is ordered by follower then followee. */
export const RelationshipCursor = z
  .string()
  .regex(/^[1-9][0-9]{0,15}:[1-9][0-9]{0,15}$/, 'after is FOLLOWER:FOLLOWEE, as the Link of the previous page gives it')
  .transform((v) => {
    const [followerId, followeeId] = v.split(':').map(Number) as [number, number];
    return { followerId, followeeId };
  });

export const RelationshipsPageQuery = z.strictObject({
  limit: listLimit,
  after: RelationshipCursor.optional().describe('only follows after this one'),
  userId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().describe('only the follows this user is in, as follower or followee'),
});

export const ListUsersQuery = z.strictObject({
  ids: z
    .string()
    .regex(/^[1-9][0-9]{0,15}(,[1-9][0-9]{0,15})*$/, 'ids is a comma-separated list of positive whole numbers, e.g. 1,2,3')
    .transform((v) => v.split(',').map(Number))
    .refine((ids) => ids.every((id) => Number.isSafeInteger(id)), 'an id in ids is too large')
    .refine((ids) => ids.length <= MAX_USER_IDS, `ids may list at most ${MAX_USER_IDS} ids`)
    .optional()
    .describe('only these users (comma-separated ids, at most 500); absent: a page of every user, in the order'),
  after: UsersPageQuery.shape.after,
  order: UsersPageQuery.shape.order,
  limit: z.coerce.number().int().min(1).max(MAX_LIST_LIMIT + 1).optional().describe('at most this many, in the order'),
});
export type ListUsersQuery = z.infer<typeof ListUsersQuery>;

export const Session = z.object({ token: z.string(), expiresAt: z.string(), user: Account });

// ---- posts ----

// Keys of user-supplied objects must not be MongoDB operators or paths.
const safeKey = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'meta keys are letters, digits and _ (no $ or .)');
const metaValue = z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]);

export const PostMeta = z.record(safeKey, metaValue).describe('free-form metadata; likes is kept by the server');

export const PostAuthor = z.object({
  id: positiveId,
  name: z.string(),
  email: z.string().optional().describe('absent, when AUTH_REQUIRED is on, unless the author is the reader'),
});
export type PostAuthor = z.infer<typeof PostAuthor>;

export const Post = z.object({
  _id: z.string(),
  author_id: positiveId,
  title: z.string(),
  body: z.string(),
  tags: z.array(z.string()),
  meta: z.object({ likes: z.number().int().nonnegative() }).catchall(metaValue),
  comments_count: z.number().int().nonnegative(),
  createdAt: z.string(),
  updatedAt: z.string(),
  user: PostAuthor.nullable().optional().describe('the author, from the profile cache (null when the user is gone)'),
});
export type Post = z.infer<typeof Post>;

const title = z.string().trim().min(1, 'title must not be empty').max(300);
const body = z.string().max(20_000);
const tags = z.array(z.string().trim().min(1).max(50).regex(/^[^$.]+$/, 'tags may not contain $ or .')).max(20);

export const CreatePostBody = z.strictObject({
  author_id: Id,
  title,
  body,
  tags: tags.default([]),
  meta: PostMeta.default({}),
});
export type CreatePostBody = z.infer<typeof CreatePostBody>;

// author_id: a client that sends back the whole post sends its author too; the author
// of a post never changes, so it must be the post's own (else AUTHOR_CHANGE_NOT_ALLOWED).
export const UpdatePostBody = z
  .strictObject({
    title: title.optional(),
    body: body.optional(),
    tags: tags.optional(),
    meta: PostMeta.optional(),
    author_id: Id.optional().describe("the post's author, as read; accepted when it is the post's own author (a post's author cannot change)"),
  })
  .refine((v) => Object.keys(v).some((key) => key !== 'author_id'), 'give at least one of title, body, tags, meta');
export type UpdatePostBody = z.infer<typeof UpdatePostBody>;

export const ListPostsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().regex(/^[0-9a-f]{24}$/, 'before is a post id (24 hexadecimal characters)').optional(),
});

export const LikeBody = z.strictObject({ userId: Id.optional() }).optional();

export const Comment = z.object({
  id: z.string(),
  post_id: z.string(),
  author_id: positiveId,
  body: z.string(),
  createdAt: z.string(),
});
export type Comment = z.infer<typeof Comment>;

export const CreateCommentBody = z.strictObject({ author_id: Id, body: z.string().trim().min(1, 'body must not be empty').max(5000) });

// ---- follows ----

export const FollowBody = z.strictObject({ followerId: Id, followeeId: Id });
export type FollowBody = z.infer<typeof FollowBody>;

export const Follow = z.object({ followerId: positiveId, followeeId: positiveId, created: z.boolean() });

export const Relationship = z.object({
  followerId: positiveId,
  followerName: z.string().nullable(),
  followeeId: positiveId,
  followeeName: z.string().nullable(),
});
export type Relationship = z.infer<typeof Relationship>;

// ---- analytics and cache ----

export const AnalyticsEvent = z.object({
  time: z.string(),
  user_id: positiveId.nullable(),
  event_type: z.string(),
  type: z.string().describe('the same as event_type (the name existing clients read)'),
  properties: z.record(z.string(), z.unknown()),
});

export const Analytics = z.object({
  stats: z.object({
    totalEvents: z.number().int(),
    totalUsers: z.number().int(),
    totalPosts: z.number().int(),
    eventTypes: z.record(z.string(), z.number().int()),
  }),
  events: z.array(AnalyticsEvent),
  series: z.array(z.object({ minute: z.string(), event_type: z.string(), count: z.number().int() })),
  topUsers: z.array(z.object({ user_id: positiveId, events: z.number().int() })),
});
export type Analytics = z.infer<typeof Analytics>;

export const CacheStatus = z.object({
  connected: z.boolean(),
  memory: z.number().describe('used_memory in megabytes (bytes / 1048576), 2 decimals'),
  memoryBytes: z.number().int().describe('used_memory in bytes'),
  memoryHuman: z.string().describe("Redis used_memory_human, e.g. '1.23M'"),
  keys: z.number().int(),
  hitRate: z.number().describe('keyspace hits / (hits + misses) since Redis started, as a percentage 0..100, 2 decimals'),
  hitRatio: z.number().describe('the same as a fraction 0..1, unrounded'),
  hits: z.number().int(),
  misses: z.number().int(),
  evictions: z.number().int(),
  opsPerSec: z.number(),
});
export type CacheStatus = z.infer<typeof CacheStatus>;

// ---- gateway: feed, pipeline, health ----

export const FeedQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const DeadLetter = z.object({
  group: z.string().describe('the consumer group that gave up, or graph-relay: the graph outbox relay could not produce the event'),
  topic: z.string().describe('the topic the message came from (or, from a relay, was meant for)'),
  partition: z.number().int().describe('-1 when the message never reached its topic (a relay could not produce it)'),
  offset: z.string(),
  key: z.string().nullable(),
  value: z.string().nullable(),
  error: z.string(),
  attempts: z.number().int(),
  failedAt: z.string(),
  headers: z.record(z.string(), z.string()).optional().describe("the message's own headers (traceparent), carried again by a replay"),
  stage: z.enum(['consume', 'produce']).optional().describe("'produce': a relay could not produce it; absent or 'consume': a consumer could not apply it"),
  replayOf: z.string().optional().describe('the id of the dead letter whose replay failed again; this one takes its place'),
  valueTruncated: z.boolean().optional().describe('the value was cut to fit the dead-letter topic: the letter cannot be replayed'),
});

/** A dead letter as listed: with the id a replay names, and whether one is under way. */
export const DeadLetterEntry = DeadLetter.extend({
  id: z.string().describe('where the record sits in pipeline.dead-letters, "PARTITION:OFFSET": what POST /pipeline/dead-letters/replay takes'),
  replayedAt: z.string().nullable().describe('when a replay was published; the letter leaves the list once its group has applied it'),
});

export const DeadLettersQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const DeadLetterId = z.string().regex(/^\d{1,10}:\d{1,19}$/, 'a dead letter id is PARTITION:OFFSET, as GET /pipeline/dead-letters lists it');

export const DeadLetterReplayRequest = z
  .strictObject({ id: DeadLetterId.optional(), all: z.literal(true).optional() })
  .refine((body) => (body.id === undefined) !== (body.all === undefined), { message: 'give either {"id": "PARTITION:OFFSET"} (one dead letter) or {"all": true}' })
  .describe('{id} replays one dead letter, {all: true} every one listed that is not already under way, oldest first');

export const DeadLetterReplayResult = z.object({
  replayed: z.array(z.string()).describe('ids published again now, to their topic and partition, for the group that failed'),
  pending: z.array(z.string()).describe('ids already replayed and not applied yet: not published again'),
  refused: z.array(z.object({ id: z.string(), reason: z.string() })).describe('ids that cannot be replayed (value cut, or refused by Kafka)'),
});
export type DeadLetterReplayResult = z.infer<typeof DeadLetterReplayResult>;

const ConnectorTask = z.object({ id: z.number().int(), state: z.string(), error: z.string().optional() });

export const ConnectorHealth = z.object({
  state: z.string().describe('RUNNING, PAUSED, FAILED…, or UNREACHABLE / MISSING'),
  tasks: z.array(ConnectorTask),
  error: z.string().optional(),
});

export const StoreHealth = z.object({ status: z.enum(['ok', 'down']), error: z.string().optional() });

export const GatewayHealth = z.object({
  status: z.enum(['ok', 'degraded']),
  services: z
    .object({ users: ServiceHealth, posts: ServiceHealth, graph: ServiceHealth.describe('with its outbox relay'), analytics: ServiceHealth, projectors: ServiceHealth })
    .describe("each service's own /health body, or {status: 'down', error}"),
  stores: z.object({
    redis: StoreHealth.describe('the cache instance (pages, profiles)'),
    redisState: StoreHealth.describe('the state instance, which never evicts (sessions, login counters, tombstones, generations, watermarks)'),
  }),
  pipeline: z.object({
    connector: ConnectorHealth.describe('the Debezium users-cdc connector in Kafka Connect (the same as connectors.users-cdc)'),
    connectors: z
      .record(z.string(), ConnectorHealth)
      .describe("every Debezium connector in Kafka Connect: users-cdc (users, from PostgreSQL's WAL) and posts-cdc (posts, from the WAL of FerretDB's PostgreSQL, or MongoDB's change stream under Compose)"),
    projections: z
      .record(z.string(), ProjectionHealth.nullable())
      .describe("each consumer's status from its service's health, by projection: graph, cache, analytics, user-cascade; null when its service does not answer"),
    relays: z.record(z.string(), z.number().int().nullable()).describe("each outbox relay's backlog: graph-relay, the relay in the graph service (its /health relay.backlog); posts are captured by posts-cdc"),
  }),
  tracing: TracingHealth.describe("the gateway's own tracing and its exports to Jaeger (each service reports its own)"),
});
export type GatewayHealth = z.infer<typeof GatewayHealth>;
