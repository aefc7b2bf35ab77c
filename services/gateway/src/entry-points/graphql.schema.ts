// The GraphQL schema: the REST API's reads as queries, its writes as
// mutations (same field names as the JSON bodies, so a client can move between
// the two), and the live streams as subscriptions over graphql-ws.
export const schema = /* GraphQL */ `
"""An integer up to 2^53 - 1, answered as a JSON number: user ids (bigserial), source log positions, epoch milliseconds. As an argument (user ids) it also takes the string of its digits, "17" as 17."""
scalar SafeInt

"""Any JSON value, exactly as the REST API answers it."""
scalar JSON

"""eventual (default): answer once the source committed. STRONG: once every projection of the change shows it (CONSISTENCY_TIMEOUT naming the late ones otherwise)."""
enum ConsistencyMode {
  EVENTUAL
  STRONG
}

"""Where a change is born: users (PostgreSQL), posts (document store), graph (Neo4j: follows)."""
enum Source {
  users
  posts
  graph
}

"""The projections a change travels to: graph (Neo4j), cache (Redis), analytics (TimescaleDB)."""
enum Projection {
  graph
  cache
  analytics
}

enum UnitAction {
  stop
  start
  kill
}

type User {
  id: SafeInt!
  """null, when AUTH_REQUIRED is on, for anyone but the user themselves"""
  email: String
  name: String!
  created_at: String!
  updated_at: String!
}

type Session {
  token: String!
  expiresAt: String!
  user: User!
}

type PostAuthor {
  id: SafeInt!
  name: String!
  """null, when AUTH_REQUIRED is on, unless the author is the reader"""
  email: String
}

type Post {
  _id: ID!
  author_id: SafeInt!
  title: String!
  body: String!
  tags: [String!]!
  """{likes, ...free-form metadata}"""
  meta: JSON!
  comments_count: Int!
  createdAt: String!
  updatedAt: String!
  """The author, from the profile cache (null when the user is gone)."""
  user: PostAuthor
}

"""A page of posts, newest first (REST: the body, X-Total-Count and Link rel="next")."""
type PostsPage {
  items: [Post!]!
  total: Int!
  hasMore: Boolean!
  """Pass as before to get the next (older) page; null on the last page."""
  nextBefore: ID
}

type Comment {
  id: ID!
  post_id: ID!
  author_id: SafeInt!
  body: String!
  createdAt: String!
}

type Follow {
  followerId: SafeInt!
  followeeId: SafeInt!
  """false when the follow already existed"""
  created: Boolean!
}

type Relationship {
  followerId: SafeInt!
  followerName: String
  followeeId: SafeInt!
  followeeName: String
}

type AnalyticsStats {
  totalEvents: Int!
  totalUsers: Int!
  totalPosts: Int!
  """event type → count"""
  eventTypes: JSON!
}

type AnalyticsEvent {
  time: String!
  user_id: SafeInt
  event_type: String!
  """the same as event_type"""
  type: String!
  properties: JSON!
}

type SeriesPoint {
  minute: String!
  event_type: String!
  count: Int!
}

type TopUser {
  user_id: SafeInt!
  events: Int!
}

type Analytics {
  stats: AnalyticsStats!
  events: [AnalyticsEvent!]!
  series: [SeriesPoint!]!
  topUsers: [TopUser!]!
}

type CacheStatus {
  connected: Boolean!
  """used_memory in megabytes (bytes / 1048576), 2 decimals"""
  memory: Float!
  memoryBytes: SafeInt!
  """Redis used_memory_human, e.g. 1.23M"""
  memoryHuman: String!
  keys: Int!
  """keyspace hits / (hits + misses) as a percentage 0..100, 2 decimals"""
  hitRate: Float!
  """the same as a fraction 0..1"""
  hitRatio: Float!
  hits: SafeInt!
  misses: SafeInt!
  evictions: SafeInt!
  opsPerSec: Float!
}

"""GET /health: status ok only when every service, Redis and both CDC connectors (users-cdc, posts-cdc) are up."""
type Health {
  status: String!
  healthy: Boolean!
  checkedAt: String!
  """users, posts, graph (with its outbox relay), analytics, projectors: each one's own /health body, or {status: 'down', error}"""
  services: JSON!
  stores: JSON!
  """{connector (users-cdc), connectors (users-cdc, posts-cdc), projections (lag), relays (backlog: graph-relay, from the graph service)}"""
  pipeline: JSON!
}

type DeadLetter {
  """PARTITION:OFFSET in pipeline.dead-letters: what replayDeadLetters takes."""
  id: String!
  """The consumer group that gave up, or the relay that could not produce the event."""
  group: String!
  topic: String!
  """-1 when the message never reached its topic (a relay could not produce it)."""
  partition: Int!
  offset: String!
  key: String
  value: String
  error: String!
  attempts: Int!
  failedAt: String!
  """consume (a consumer could not apply it) or produce (a relay could not produce it)."""
  stage: String!
  """When a replay was published; the letter leaves the list once its group applied it."""
  replayedAt: String
  """The letter whose replay failed again, which this one replaces."""
  replayOf: String
  """The value was cut to fit the dead-letter topic: it cannot be replayed."""
  valueTruncated: Boolean!
}

type DeadLetterRefusal {
  id: String!
  reason: String!
}

"""POST /pipeline/dead-letters/replay"""
type DeadLetterReplay {
  """Published again now, for the group that failed each."""
  replayed: [String!]!
  """Already replayed and not applied yet: not published again."""
  pending: [String!]!
  refused: [DeadLetterRefusal!]!
}

"""How far a write has travelled when it answered."""
type Consistency {
  """SOURCE:ENTITY:POSITION; pass it to a read as token for read-your-writes"""
  token: String!
  mode: ConsistencyMode!
  """STRONG: per projection, milliseconds from the source commit until it showed the change"""
  visibleAfterMs: JSON
}

type UserPayload {
  user: User!
  consistency: Consistency
}

type PostPayload {
  post: Post!
  consistency: Consistency
}

type CommentPayload {
  comment: Comment!
  consistency: Consistency
}

type FollowPayload {
  follow: Follow!
  consistency: Consistency
}

"""A delete or an unfollow: consistency is null when nothing changed."""
type DeletePayload {
  deleted: Boolean!
  consistency: Consistency
}

type ProjectionVisibility {
  projection: Projection!
  applied: Boolean!
  appliedAt: String
  """milliseconds from the source commit until applied there"""
  visibleAfterMs: Float
}

"""Where one change is visible, per projection it goes to (a follow is born in Neo4j: not the graph projection)."""
type ChangeVisibility {
  token: String!
  source: Source!
  entityId: String!
  position: SafeInt!
  committedAt: String
  """when Debezium read the change from the log (users, posts; null for follows)"""
  capturedAt: String
  """when Kafka took the change from Debezium (users, posts) or the graph relay (follows)"""
  publishedAt: String
  complete: Boolean!
  projections: [ProjectionVisibility!]!
}

"""One change a projection applied, as it announced it."""
type AppliedChange {
  projection: Projection!
  source: Source!
  entityId: String!
  position: SafeInt!
  """the consistency token of this change"""
  token: String!
  """USER_CREATED, POST_UPDATED, FOLLOW_CREATED, ..."""
  type: String!
  """epoch ms of the source commit"""
  committedAt: SafeInt!
  """epoch ms when applied in the projection's store"""
  appliedAt: SafeInt!
  """appliedAt - committedAt"""
  visibleAfterMs: Float!
  """the Kafka record it came in (absent from projections that do not report it)"""
  kafka: KafkaRecord
}

type KafkaRecord {
  topic: String!
  partition: Int!
  offset: String!
  """epoch ms when Kafka took it from Debezium or the graph relay"""
  publishedAt: SafeInt!
}

"""The changes applied during one window (about 200 ms); windows without changes send nothing."""
type ChangeBatch {
  changes: [AppliedChange!]!
  """changes left out because the window held more than the limit (counted, not sent)"""
  dropped: Int!
  """epoch ms: the first and the last applied change of the window"""
  from: SafeInt
  to: SafeInt
}

type LatencySummary {
  count: Int!
  p50: Float
  p99: Float
  max: Float
}

type LabInputEcho {
  mode: String!
  writes: Int!
  rate: Float!
  kind: String!
}

type LabStoreResult {
  projection: Projection!
  store: String!
  """source: where the write happened; projection: fed by the pipeline"""
  role: String!
  reads: Int!
  stale: Int!
  staleRatio: Float!
  timeToVisibleMs: LatencySummary!
}

type LabExperiment {
  id: ID!
  input: LabInputEcho!
  startedAt: String!
  durationMs: Float!
  failedWrites: Int!
  writeLatencyMs: LatencySummary!
  stores: [LabStoreResult!]!
}

type ProjectionFaults {
  paused: Boolean!
  pausedSince: String
  delayMs: Int!
  duplicate: Boolean!
  duplicated: Int!
}

type ProjectionControl {
  """graph, cache, analytics, user-cascade (projectors is taken for cache)"""
  name: String!
  service: String!
  faults: ProjectionFaults
  running: Boolean
  lag: Int
  error: String
}

type UnitState {
  name: String!
  kind: String!
  state: String!
  pid: Int
}

type Units {
  available: Boolean!
  reason: String
  controllable: [String!]!
  actions: [UnitAction!]!
  states: [UnitState!]!
}

type FaultActor {
  userId: SafeInt
  email: String
  address: String!
}

type FaultAction {
  at: String!
  action: String!
  target: String!
  by: FaultActor!
  detail: JSON
  outcome: String!
  error: String
  durationMs: Int!
}

type FaultsOverview {
  projections: [ProjectionControl!]!
  units: Units!
  recent: [FaultAction!]!
}

type UnitActionResult {
  unit: String!
  action: UnitAction!
  durationMs: Int!
  output: String!
}

input CreateUserInput {
  email: String!
  name: String!
  password: String!
}

input UpdateUserInput {
  email: String!
  name: String!
  """null, empty or absent: the password stays unchanged"""
  password: String
  """with AUTH_REQUIRED on, needed to change the email or the password (CURRENT_PASSWORD_REQUIRED without it)"""
  currentPassword: String
}

input CreatePostInput {
  author_id: SafeInt!
  title: String!
  body: String!
  tags: [String!]
  meta: JSON
}

input UpdatePostInput {
  title: String
  body: String
  tags: [String!]
  meta: JSON
  """the post's own author, as read (a post's author cannot change: AUTHOR_CHANGE_NOT_ALLOWED)"""
  author_id: SafeInt
}

input CreateCommentInput {
  author_id: SafeInt!
  body: String!
}

input LabExperimentInput {
  """eventual or strong"""
  mode: String!
  writes: Int!
  rate: Float!
  """users, posts or follows"""
  kind: String!
}

"""
Reads. Those served by a projection take token (from a write's consistency) and wait, at most timeoutMs, until they show that write.
"""
type Query {
  users: [User!]!
  """From the profile cache the pipeline keeps; with token (a write's) or consistency STRONG, from the users service (PostgreSQL)."""
  user(id: SafeInt!, token: String, consistency: ConsistencyMode): User!
  """The user of the session (Authorization: Bearer <token>)."""
  me: User!
  posts(limit: Int = 50, before: ID, token: String, timeoutMs: Int): PostsPage!
  post(id: ID!, token: String, timeoutMs: Int): Post!
  comments(postId: ID!): [Comment!]!
  feed(userId: SafeInt!, limit: Int = 50, token: String, timeoutMs: Int): PostsPage!
  relationships(token: String, timeoutMs: Int): [Relationship!]!
  analytics(token: String, timeoutMs: Int): Analytics!
  cacheStatus: CacheStatus!
  health: Health!
  """With AUTH_REQUIRED on: a session (the letters are whole messages)."""
  deadLetters(limit: Int = 100): [DeadLetter!]!
  consistency(token: String!): ChangeVisibility!
  """Admin (with AUTH_REQUIRED on)."""
  labExperiments: [LabExperiment!]!
  """Admin (with AUTH_REQUIRED on)."""
  faults: FaultsOverview!
  """Admin (with AUTH_REQUIRED on): the reconciler's report (GET /reconcile)."""
  reconcile: JSON!
}

"""
Writes, with the REST API's checks. With AUTH_REQUIRED on every write but createUser and login needs a session (Authorization: Bearer <token>).
consistency: STRONG answers once every projection shows the change, waiting at most timeoutMs (default 5000).
"""
type Mutation {
  login(email: String!, password: String!): Session!
  logout: Boolean!
  createUser(input: CreateUserInput!, consistency: ConsistencyMode, timeoutMs: Int): UserPayload!
  updateUser(id: SafeInt!, input: UpdateUserInput!, consistency: ConsistencyMode, timeoutMs: Int): UserPayload!
  deleteUser(id: SafeInt!, consistency: ConsistencyMode, timeoutMs: Int): DeletePayload!
  createPost(input: CreatePostInput!, consistency: ConsistencyMode, timeoutMs: Int): PostPayload!
  updatePost(id: ID!, input: UpdatePostInput!, consistency: ConsistencyMode, timeoutMs: Int): PostPayload!
  deletePost(id: ID!, consistency: ConsistencyMode, timeoutMs: Int): DeletePayload!
  """A like counts for the session's user; without sessions the client may name the liker."""
  likePost(id: ID!, userId: SafeInt, consistency: ConsistencyMode, timeoutMs: Int): PostPayload!
  addComment(postId: ID!, input: CreateCommentInput!, consistency: ConsistencyMode, timeoutMs: Int): CommentPayload!
  deleteComment(postId: ID!, commentId: ID!, consistency: ConsistencyMode, timeoutMs: Int): DeletePayload!
  follow(followerId: SafeInt!, followeeId: SafeInt!, consistency: ConsistencyMode, timeoutMs: Int): FollowPayload!
  unfollow(followerId: SafeInt!, followeeId: SafeInt!, consistency: ConsistencyMode, timeoutMs: Int): DeletePayload!
  """Admin: writes in a mode, each read back at once from every store (POST /lab/experiments)."""
  runLabExperiment(input: LabExperimentInput!): LabExperiment!
  """Admin: nothing is applied; messages wait in Kafka as lag."""
  pauseProjection(name: String!): ProjectionControl!
  """Admin: the backlog drains."""
  resumeProjection(name: String!): ProjectionControl!
  """Admin: delay (ms before each message or batch) or duplicate; only the arguments given change."""
  setProjectionFaults(name: String!, delayMs: Int, duplicate: Boolean): ProjectionControl!
  """Admin: stop, start or SIGKILL an engine or service through the stack CLI."""
  unitAction(unit: String!, action: UnitAction!): UnitActionResult!
  """Admin: repair the drift from each source of truth (POST /reconcile/repair)."""
  repair: JSON!
  """Admin: replay one dead letter (id) or every one listed (all: true), as POST /pipeline/dead-letters/replay."""
  replayDeadLetters(id: String, all: Boolean): DeadLetterReplay!
}

"""
With AUTH_REQUIRED on, every subscription needs a session: the upgrade's Authorization header, or {"authorization": "Bearer <token>"} as graphql-ws's connection_init payload.
"""
type Subscription {
  """Every change a projection applies, batched per window of about 200 ms; optionally only one source, entity or projection."""
  changeApplied(source: Source, entityId: String, projection: Projection): ChangeBatch!
  """One change's visibility now, then each time a projection applies it; completes once every projection shows it."""
  changeVisibility(token: String!): ChangeVisibility!
  """The health report now and every 2 s."""
  health: Health!
}
`;
