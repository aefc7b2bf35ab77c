// The GraphQL schema: the REST API's reads as queries, its writes as mutations
// (same field names as the JSON bodies, so a client can move between the two),
// and the live streams as subscriptions over graphql-ws. Every type is a zod
// schema the REST API already uses (graphql.sdl.ts writes the SDL from them);
// what only GraphQL has (pages, write payloads) is a zod schema here. The SDL
// is also committed as schema.graphql, which the UI's types are generated from
// (npm run generate:graphql).
import { z } from 'zod';
import {
  Account,
  Analytics,
  AnalyticsEvent,
  CacheStatus,
  Comment,
  CommentIdParam,
  ConnectorHealth,
  CreateCommentBody,
  CreatePostBody,
  CreateUserBody,
  DeadLetterEntry,
  DeadLetterReplayResult,
  DeadLettersQuery,
  FeedQuery,
  Follow,
  GatewayHealth,
  Id,
  ListPostsQuery,
  LoginBody,
  Post,
  PostAuthor,
  PostIdParam,
  PostMeta,
  Relationship,
  RelationshipsPageQuery,
  Session,
  StoreHealth,
  UpdatePostBody,
  UpdateUserBody,
  UsersPageQuery,
  UserView,
} from '@polyglot/contracts/api';
import { AppliedNotice, PROJECTIONS, SOURCES } from '@polyglot/contracts/consistency';
import { FaultAction, FaultActor, FaultsOverview, ProjectionControl, ProjectionFaults, ProjectionFaultsSettings, UNIT_ACTIONS, UnitActionResult, UnitState } from '@polyglot/contracts/faults';
import { LatencySummary, ProjectionHealth, RelayHealth, ServiceHealth, StoreWait, TracingHealth } from '@polyglot/contracts/health';
import { AnalyticsRepairResult, CacheRepairResult, Drift, GraphRepairResult, ReconcileCounts, ReconcileReport, RepairReport } from '@polyglot/contracts/reconcile';
import { ExperimentInput, ExperimentResult, LabAnomaly, LabVerdict } from '@polyglot/contracts/lab';
import { SPAN_KINDS, SpanAttributes, Trace, TraceIdText, TraceSpan } from '@polyglot/contracts/traces';
import { ChangeVisibility, ConsistencyInfo } from '../domain/consistency.use-case.ts';
import { ReadQuery, WriteQuery } from './consistency.hooks.ts';
import type { HealthSnapshot } from '../domain/health-feed.ts';
import type { GraphQLContext } from './graphql.context.ts';
import { buildSdl, type GraphQLDefinition, type Operation } from './graphql.sdl.ts';

// ---- what only GraphQL answers ----

const ConsistencyMode = z.enum(['EVENTUAL', 'STRONG']);
const UserOrder = z.enum(['ID', 'NEWEST']);

/** A write's consistency, as REST's, with the mode as GraphQL's enum. */
export const GraphQLConsistency = ConsistencyInfo.extend({ mode: ConsistencyMode }).describe('How far a write has travelled when it answered.');
export type GraphQLConsistency = z.output<typeof GraphQLConsistency>;
const consistency = GraphQLConsistency.nullable();

export const PostsPage = z
  .object({
    items: z.array(Post),
    total: z.number().int(),
    hasMore: z.boolean(),
    nextBefore: z.string().nullable().describe('Pass as before to get the next (older) page; null on the last page.'),
  })
  .describe('A page of posts, newest first (REST: the body, X-Total-Count and Link rel="next").');

const UserPayload = z.object({ user: UserView, consistency });
const PostPayload = z.object({ post: Post, consistency });
const CommentPayload = z.object({ comment: Comment, consistency });
const FollowPayload = z.object({ follow: Follow, consistency });
const DeletePayload = z.object({ deleted: z.boolean(), consistency }).describe('A delete or an unfollow: consistency is null when nothing changed.');

/** GET /health's report, with whether all is up and when it was taken. */
export const Health = GatewayHealth.extend({ healthy: z.boolean(), checkedAt: z.string() }).describe(
  'GET /health: status ok only when every service, Redis and both CDC connectors (users-cdc, posts-cdc) are up.',
);

/** A dead letter as listed, with its stage and truncation always said. */
export const DeadLetter = DeadLetterEntry.extend({
  stage: z.enum(['consume', 'produce']).describe('consume (a consumer could not apply it) or produce (a relay could not produce it).'),
  valueTruncated: z.boolean().describe('The value was cut to fit the dead-letter topic: it cannot be replayed.'),
});

export const AppliedChange = AppliedNotice.extend({
  token: z.string().describe('the consistency token of this change'),
  visibleAfterMs: z.number().describe('appliedAt - committedAt'),
}).describe('One change a projection applied, as it announced it.');
export type AppliedChange = z.output<typeof AppliedChange>;

export const ChangeBatch = z
  .object({
    changes: z.array(AppliedChange),
    dropped: z.number().int().describe('changes left out because the window held more than the limit (counted, not sent)'),
    from: z.number().int().nullable().describe('epoch ms: the first applied change of the window'),
    to: z.number().int().nullable().describe('epoch ms: the last applied change of the window'),
  })
  .describe('The changes applied during one window (about 200 ms); windows without changes send nothing.');
export type ChangeBatch = z.output<typeof ChangeBatch>;

// ---- arguments ----

const optional = <S extends z.ZodType>(schema: S) => schema.nullish();
const readArgs = { token: optional(z.string()), timeoutMs: ReadQuery.shape.timeoutMs };
const writeArgs = { consistency: optional(ConsistencyMode), timeoutMs: WriteQuery.shape.timeoutMs };
const PostId = PostIdParam.shape.id;
const args = <S extends z.ZodRawShape>(shape: S) => z.object(shape);

// ---- the schema ----

const Query = {
  users: {
    type: z.array(UserView),
    args: args({ after: optional(UsersPageQuery.shape.after.unwrap()), limit: optional(UsersPageQuery.shape.limit.unwrap()), order: optional(UserOrder) }),
    description: 'By id (order NEWEST: newest first), at most limit (default LIST_LIMIT, 1,000); after: the last id of the previous page.',
  },
  user: {
    type: UserView,
    args: args({ id: Id, token: optional(z.string()), consistency: optional(ConsistencyMode) }),
    description: 'From the profile cache the pipeline keeps; with token (a write\'s) or consistency STRONG, from the users service (PostgreSQL).',
  },
  me: { type: Account, description: 'The user of the session (Authorization: Bearer <token>).' },
  posts: { type: PostsPage, args: args({ limit: ListPostsQuery.shape.limit, before: optional(ListPostsQuery.shape.before.unwrap()), ...readArgs }) },
  post: { type: Post, args: args({ id: PostId, ...readArgs }) },
  comments: { type: z.array(Comment), args: args({ postId: PostId }) },
  feed: { type: PostsPage, args: args({ userId: Id, limit: FeedQuery.shape.limit, ...readArgs }) },
  relationships: {
    type: z.array(Relationship),
    args: args({ after: optional(z.string()), limit: optional(RelationshipsPageQuery.shape.limit.unwrap()), userId: optional(Id), ...readArgs }),
    description: "By follower then followee, at most limit (default LIST_LIMIT, 1,000); after: FOLLOWER:FOLLOWEE of the previous page's last; userId: only the follows that user is in.",
  },
  analytics: { type: Analytics, args: args(readArgs) },
  cacheStatus: { type: CacheStatus },
  health: { type: Health },
  deadLetters: { type: z.array(DeadLetter), args: args({ limit: DeadLettersQuery.shape.limit }), description: 'With AUTH_REQUIRED on: a session (the letters are whole messages).' },
  consistency: { type: ChangeVisibility, args: args({ token: z.string() }) },
  trace: {
    type: Trace,
    args: args({ id: TraceIdText }),
    description:
      "One trace from Jaeger, span by span (GET /traces/:traceId): id is the trace id of a write's traceresponse header. TRACE_NOT_FOUND while its spans are not exported yet (ask again in a second), when it was not sampled or is evicted; TRACING_UNAVAILABLE when Jaeger does not answer.",
  },
  labExperiments: { type: z.array(ExperimentResult), description: 'Admin (with AUTH_REQUIRED on).' },
  faults: { type: FaultsOverview, description: 'Admin (with AUTH_REQUIRED on).' },
  reconcile: { type: ReconcileReport, description: "Admin (with AUTH_REQUIRED on): the reconciler's report (GET /reconcile)." },
} satisfies Record<string, Operation>;

const Mutation = {
  login: { type: Session, args: LoginBody },
  logout: { type: z.boolean() },
  createUser: { type: UserPayload, args: args({ input: CreateUserBody, ...writeArgs }) },
  updateUser: { type: UserPayload, args: args({ id: Id, input: UpdateUserBody, ...writeArgs }) },
  deleteUser: { type: DeletePayload, args: args({ id: Id, ...writeArgs }) },
  createPost: { type: PostPayload, args: args({ input: CreatePostBody, ...writeArgs }) },
  updatePost: { type: PostPayload, args: args({ id: PostId, input: UpdatePostBody, ...writeArgs }) },
  deletePost: { type: DeletePayload, args: args({ id: PostId, ...writeArgs }) },
  likePost: {
    type: PostPayload,
    args: args({ id: PostId, userId: optional(Id), ...writeArgs }),
    description: "A like counts for the session's user; without sessions the client may name the liker.",
  },
  addComment: { type: CommentPayload, args: args({ postId: PostId, input: CreateCommentBody, ...writeArgs }) },
  deleteComment: { type: DeletePayload, args: args({ postId: PostId, commentId: CommentIdParam.shape.commentId, ...writeArgs }) },
  follow: { type: FollowPayload, args: args({ followerId: Id, followeeId: Id, ...writeArgs }) },
  unfollow: { type: DeletePayload, args: args({ followerId: Id, followeeId: Id, ...writeArgs }) },
  runLabExperiment: { type: ExperimentResult, args: args({ input: ExperimentInput }), description: 'Admin: writes in a mode, each read back at once from every store (POST /lab/experiments).' },
  pauseProjection: { type: ProjectionControl, args: args({ name: z.string() }), description: 'Admin: nothing is applied; messages wait in Kafka as lag.' },
  resumeProjection: { type: ProjectionControl, args: args({ name: z.string() }), description: 'Admin: the backlog drains.' },
  setProjectionFaults: {
    type: ProjectionControl,
    args: args({ name: z.string(), delayMs: optional(ProjectionFaultsSettings.shape.delayMs.unwrap()), duplicate: optional(z.boolean()) }),
    description: 'Admin: delay (ms before each message or batch) or duplicate; only the arguments given change.',
  },
  unitAction: { type: UnitActionResult, args: args({ unit: z.string(), action: z.enum(UNIT_ACTIONS) }), description: 'Admin: stop, start or SIGKILL an engine or service through the stack CLI.' },
  repair: { type: RepairReport, description: 'Admin: repair the drift from each source of truth (POST /reconcile/repair).' },
  replayDeadLetters: {
    type: DeadLetterReplayResult,
    args: args({ id: optional(z.string()), all: optional(z.boolean()) }),
    description: 'Admin: replay one dead letter (id) or every one listed (all: true), as POST /pipeline/dead-letters/replay.',
  },
} satisfies Record<string, Operation>;

const Subscription = {
  changeApplied: {
    type: ChangeBatch,
    args: args({ source: optional(z.enum(SOURCES)), entityId: optional(z.string()), projection: optional(z.enum(PROJECTIONS)) }),
    description: 'Every change a projection applies, batched per window of about 200 ms; optionally only one source, entity or projection.',
  },
  changeVisibility: { type: ChangeVisibility, args: args({ token: z.string() }), description: "One change's visibility now, then each time a projection applies it; completes once every projection shows it." },
  health: { type: Health, description: 'The health report now and every 2 s.' },
} satisfies Record<string, Operation>;

export const definition: GraphQLDefinition = {
  scalars: {
    SafeInt:
      'An integer up to 2^53 - 1, answered as a JSON number: user ids (bigserial), source log positions, epoch milliseconds, counts. As an argument (user ids) it also takes the string of its digits, "17" as 17.',
    JSON: "Any JSON value, exactly as the REST API answers it: only open-ended maps (a post's meta, an event's properties, a span's attributes).",
  },
  enums: {
    ConsistencyMode: { values: ConsistencyMode.options, description: 'EVENTUAL (default): answer once the source committed. STRONG: once every projection of the change shows it (CONSISTENCY_TIMEOUT naming the late ones otherwise).' },
    Source: { values: SOURCES, description: 'Where a change is born: users (PostgreSQL), posts (document store), graph (Neo4j: follows).' },
    Projection: { values: PROJECTIONS, description: 'The projections a change travels to: graph (Neo4j), cache (Redis), analytics (TimescaleDB).' },
    UnitAction: { values: UNIT_ACTIONS },
    UserOrder: { values: UserOrder.options, description: 'ID (default): oldest first. NEWEST: the latest sign-ups first.' },
    SpanKind: { values: SPAN_KINDS, description: "OpenTelemetry's span kind: server (a request served), client (a request made), producer and consumer (Kafka), internal (work inside a process)." },
    SpanStatus: { values: TraceSpan.shape.status.options, description: 'error when the span recorded an error status, else ok.' },
  },
  objects: {
    User: UserView,
    Account,
    Session,
    PostAuthor,
    Post,
    PostsPage,
    Comment,
    Follow,
    Relationship,
    AnalyticsStats: Analytics.shape.stats,
    AnalyticsEvent,
    SeriesPoint: Analytics.shape.series.element,
    TopUser: Analytics.shape.topUsers.element,
    Analytics,
    CacheStatus,
    Health,
    ServicesHealth: GatewayHealth.shape.services,
    ServiceHealth,
    ProjectionHealth,
    LatencySummary,
    StoreWait,
    ProjectionFaults,
    RelayHealth,
    TracingHealth,
    StoresHealth: GatewayHealth.shape.stores,
    StoreHealth,
    PipelineHealth: GatewayHealth.shape.pipeline,
    ConnectorHealth,
    ConnectorTask: ConnectorHealth.shape.tasks.element,
    DeadLetter,
    DeadLetterRefusal: DeadLetterReplayResult.shape.refused.element,
    DeadLetterReplay: DeadLetterReplayResult,
    Consistency: GraphQLConsistency,
    UserPayload,
    PostPayload,
    CommentPayload,
    FollowPayload,
    DeletePayload,
    ChangeVisibility,
    AppliedChange,
    KafkaRecord: AppliedNotice.shape.kafka.unwrap(),
    ChangeBatch,
    LabInputEcho: ExperimentResult.shape.input,
    LabExperiment: ExperimentResult,
    LabVerdict,
    LabAnomaly,
    ProjectionControl,
    UnitState,
    Units: FaultsOverview.shape.units,
    FaultActor,
    FaultSettings: ProjectionFaultsSettings,
    FaultAction,
    FaultsOverview,
    UnitActionResult,
    Drift,
    ReconcileCounts,
    UserCounts: ReconcileCounts.shape.users,
    PostCounts: ReconcileCounts.shape.posts,
    FollowCounts: ReconcileCounts.shape.follows,
    ReconcileChanges: ReconcileReport.shape.changes.unwrap(),
    ReconcileReport,
    RepairActions: RepairReport.shape.actions,
    GraphRepairResult,
    CacheRepairResult,
    AnalyticsRepairResult,
    PostsCascadeResult: RepairReport.shape.actions.shape.ferretdb.unwrap(),
    RepairReport,
    Trace,
    TraceSpan,
  },
  inputs: {
    CreateUserInput: CreateUserBody,
    UpdateUserInput: UpdateUserBody,
    CreatePostInput: CreatePostBody,
    UpdatePostInput: UpdatePostBody,
    CreateCommentInput: CreateCommentBody,
    LabExperimentInput: ExperimentInput,
  },
  records: [
    [GatewayHealth.shape.pipeline.shape.connectors, { entry: 'ConnectorEntry', key: 'name' }],
    [GatewayHealth.shape.pipeline.shape.projections, { entry: 'ProjectionHealthEntry', key: 'name', value: 'health' }],
    [GatewayHealth.shape.pipeline.shape.relays, { entry: 'RelayBacklog', key: 'name', value: 'backlog' }],
    [ServiceHealth.shape.checks, { entry: 'HealthCheck', key: 'name', value: 'state' }],
    [Analytics.shape.stats.shape.eventTypes, { entry: 'EventTypeCount', key: 'type', value: 'count' }],
    [ConsistencyInfo.shape.visibleAfterMs, { entry: 'VisibleAfter', key: 'projection', value: 'ms' }],
    [ChangeVisibility.shape.projections, { entry: 'ProjectionVisibility', key: 'projection' }],
    [ExperimentResult.shape.stores, { entry: 'LabStoreResult', key: 'projection' }],
    [LabVerdict.shape.properties, { entry: 'LabPropertyVerdict', key: 'property' }],
    [DeadLetterEntry.shape.headers, { entry: 'MessageHeader', key: 'name', value: 'value' }],
  ],
  fieldScalars: [
    [Id, 'SafeInt'],
    [Post.shape._id, 'ID'],
    [Comment.shape.id, 'ID'],
    [Comment.shape.post_id, 'ID'],
    [PostsPage.shape.nextBefore, 'ID'],
    [PostId, 'ID'],
    [ListPostsQuery.shape.before, 'ID'],
    [CommentIdParam.shape.commentId, 'ID'],
    [ExperimentResult.shape.id, 'ID'],
    [TraceIdText, 'ID'],
    [TraceSpan.shape.spanId, 'ID'],
    [TraceSpan.shape.parentSpanId, 'ID'],
  ],
  opaque: [Post.shape.meta, PostMeta, AnalyticsEvent.shape.properties, LabAnomaly.shape.lines, SpanAttributes],
  roots: { Query, Mutation, Subscription },
  rootDescriptions: {
    Query: 'Reads. Those served by a projection take token (from a write\'s consistency) and wait, at most timeoutMs, until they show that write.',
    Mutation:
      'Writes, with the REST API\'s checks. With AUTH_REQUIRED on every write but createUser and login needs a session (Authorization: Bearer <token>).\nconsistency: STRONG answers once every projection shows the change, waiting at most timeoutMs (default 5000).',
    Subscription:
      'With AUTH_REQUIRED on, every subscription needs a session: the upgrade\'s Authorization header, or {"authorization": "Bearer <token>"} as graphql-ws\'s connection_init payload.',
  },
};

const built = buildSdl(definition);

/** The SDL mercurius serves (and schema.graphql holds). */
export const schema = built.sdl;

/** The field resolvers that list the records (REST's maps) as GraphQL's lists of entries. */
export const entryResolvers = built.resolvers;

// ---- the resolvers' types, from the same definition: a change to a shape breaks the resolver that answers it ----

type MaybePromise<T> = T | Promise<T>;
// Arguments as GraphQL passes them: scalars parsed (a SafeInt's digits are a number), defaults given.
type ArgsOf<O extends Operation> = O['args'] extends z.ZodObject ? z.output<O['args']> : Record<string, never>;
type Answer<O extends Operation> = z.output<O['type']>;

type RootResolvers<R extends Record<string, Operation>> = {
  [K in keyof R]: (root: unknown, args: ArgsOf<R[K]>, ctx: GraphQLContext) => MaybePromise<Answer<R[K]>>;
};

export type QueryResolvers = RootResolvers<typeof Query>;
export type MutationResolvers = RootResolvers<typeof Mutation>;
/** What each subscription's stream yields, which its resolve turns into the answer. */
interface StreamItems {
  changeApplied: ChangeBatch;
  changeVisibility: z.output<typeof ChangeVisibility>;
  health: HealthSnapshot;
}
export type SubscriptionResolvers = {
  [K in keyof typeof Subscription]: {
    subscribe: (root: unknown, args: ArgsOf<(typeof Subscription)[K]>, ctx: GraphQLContext) => Promise<AsyncIterator<StreamItems[K]>>;
    resolve: (item: StreamItems[K]) => MaybePromise<Answer<(typeof Subscription)[K]>>;
  };
};
