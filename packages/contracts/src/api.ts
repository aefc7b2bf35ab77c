// Request and response shapes of the REST API, as zod schemas. The gateway's
// OpenAPI document is generated from these, and services validate with the
// same ones. Bodies are strict: an unknown key (such as "$where") is rejected.
import { z } from 'zod';

export const ErrorBody = z.object({
  error: z.string().describe('What went wrong and what to do about it'),
  code: z.string().describe('A stable code from the error registry'),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

const positiveId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** A user id as it appears in a path: digits only. */
export const UserIdParam = z.object({
  id: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, 'a user id is a positive whole number')
    .transform(Number),
});

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
});
export type UpdateUserBody = z.infer<typeof UpdateUserBody>;

export const LoginBody = z.strictObject({ email, password: z.string().min(1).max(256) });

/** The most ids one GET /users?ids=… may ask for (keeps the URL and the query bounded). */
export const MAX_USER_IDS = 500;

export const ListUsersQuery = z.strictObject({
  ids: z
    .string()
    .regex(/^[1-9][0-9]{0,15}(,[1-9][0-9]{0,15})*$/, 'ids is a comma-separated list of positive whole numbers, e.g. 1,2,3')
    .transform((v) => v.split(',').map(Number))
    .refine((ids) => ids.every((id) => Number.isSafeInteger(id)), 'an id in ids is too large')
    .refine((ids) => ids.length <= MAX_USER_IDS, `ids may list at most ${MAX_USER_IDS} ids`)
    .optional()
    .describe('only these users (comma-separated ids, at most 500); absent: every user'),
});
export type ListUsersQuery = z.infer<typeof ListUsersQuery>;

export const Session = z.object({ token: z.string(), expiresAt: z.string(), user: User });

// ---- posts ----

// Keys of user-supplied objects must not be MongoDB operators or paths.
const safeKey = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'meta keys are letters, digits and _ (no $ or .)');
const metaValue = z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]);

export const PostMeta = z.record(safeKey, metaValue).describe('free-form metadata; likes is kept by the server');

export const PostAuthor = z.object({ id: positiveId, name: z.string(), email: z.string() });
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
  author_id: positiveId,
  title,
  body,
  tags: tags.default([]),
  meta: PostMeta.default({}),
});
export type CreatePostBody = z.infer<typeof CreatePostBody>;

export const UpdatePostBody = z
  .strictObject({ title: title.optional(), body: body.optional(), tags: tags.optional(), meta: PostMeta.optional() })
  .refine((v) => Object.keys(v).length > 0, 'give at least one of title, body, tags, meta');
export type UpdatePostBody = z.infer<typeof UpdatePostBody>;

export const ListPostsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().regex(/^[0-9a-f]{24}$/, 'before is a post id (24 hexadecimal characters)').optional(),
});

export const LikeBody = z.strictObject({ userId: positiveId.optional() }).optional();

export const Comment = z.object({
  id: z.string(),
  post_id: z.string(),
  author_id: positiveId,
  body: z.string(),
  createdAt: z.string(),
});
export type Comment = z.infer<typeof Comment>;

export const CreateCommentBody = z.strictObject({ author_id: positiveId, body: z.string().trim().min(1, 'body must not be empty').max(5000) });

// ---- follows ----

export const FollowBody = z.strictObject({ followerId: positiveId, followeeId: positiveId });
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
  user_id: z.number().nullable(),
  event_type: z.string(),
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
  topUsers: z.array(z.object({ user_id: z.number(), events: z.number().int() })),
});
export type Analytics = z.infer<typeof Analytics>;

export const CacheStatus = z.object({
  connected: z.boolean(),
  memory: z.string().describe("Redis used_memory_human, e.g. '1.23M'"),
  memoryBytes: z.number().int(),
  keys: z.number().int(),
  hitRate: z.number().describe('keyspace hits / (hits + misses) since Redis started, 0..1'),
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
  group: z.string().describe('the consumer group that gave up'),
  topic: z.string(),
  partition: z.number().int(),
  offset: z.string(),
  key: z.string().nullable(),
  value: z.string().nullable(),
  error: z.string(),
  attempts: z.number().int(),
  failedAt: z.string(),
});

export const DeadLettersQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const ComponentHealth = z.record(z.string(), z.unknown()).describe("the component's own /health body, or {status: 'down', error}");

export const GatewayHealth = z.object({
  status: z.enum(['ok', 'degraded']),
  services: z.record(z.string(), ComponentHealth).describe('users, posts, graph, analytics, projectors, posts-relay, graph-relay'),
  stores: z.object({ redis: z.object({ status: z.enum(['ok', 'down']), error: z.string().optional() }) }),
  pipeline: z.object({
    connector: z
      .object({
        state: z.string().describe('RUNNING, PAUSED, FAILED…, or UNREACHABLE / MISSING'),
        tasks: z.array(z.object({ id: z.number().int(), state: z.string(), error: z.string().optional() })),
        error: z.string().optional(),
      })
      .describe('the Debezium users-cdc connector in Kafka Connect'),
    projections: z.record(z.string(), z.unknown()).describe("each consumer's projection status (lag) from its service's health"),
    relays: z.record(z.string(), z.unknown()).describe("each outbox relay's backlog from its health"),
  }),
});
export type GatewayHealth = z.infer<typeof GatewayHealth>;
