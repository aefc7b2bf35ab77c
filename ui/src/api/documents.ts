// Every GraphQL operation the UI sends, in one place.

const CONSISTENCY = 'consistency { token mode visibleAfterMs }';
const USER = 'id email name created_at updated_at';
const POST = '_id author_id title body tags meta comments_count createdAt updatedAt user { id name email }';
const LATENCY = 'count p50 p99 max';
const HEALTH = 'status healthy checkedAt services stores pipeline';
const CHANGE = 'projection source entityId position token type committedAt appliedAt visibleAfterMs kafka { topic partition offset publishedAt }';
const VISIBILITY = 'token source entityId position committedAt capturedAt publishedAt complete projections { projection applied appliedAt visibleAfterMs }';
const LAB = `id input { mode writes rate kind } startedAt durationMs failedWrites writeLatencyMs { ${LATENCY} }
  stores { projection store role reads stale staleRatio timeToVisibleMs { ${LATENCY} } }`;
const CONTROL = 'name service faults { paused pausedSince delayMs duplicate duplicated } running lag error';

export const Q = {
  users: `query Users { users { ${USER} } }`,
  usersByIds: (ids: number[]) => `query UsersByIds { ${ids.map((id, i) => `u${i}: user(id: ${Math.trunc(id)}) { id name email }`).join(' ')} }`,
  me: `query Me { me { ${USER} } }`,
  posts: `query Posts($limit: Int, $before: ID, $token: String) { posts(limit: $limit, before: $before, token: $token) { items { ${POST} } total hasMore nextBefore } }`,
  feed: `query Feed($userId: SafeInt!, $limit: Int, $token: String) { feed(userId: $userId, limit: $limit, token: $token) { items { ${POST} } total hasMore nextBefore } }`,
  relationships: `query Relationships($token: String) { relationships(token: $token) { followerId followerName followeeId followeeName } }`,
  analytics: `query Analytics($token: String) { analytics(token: $token) { stats { totalEvents totalUsers totalPosts eventTypes } events { time user_id event_type properties } series { minute event_type count } topUsers { user_id events } } }`,
  cacheStatus: `query CacheStatus { cacheStatus { connected memory memoryBytes memoryHuman keys hitRate hitRatio hits misses evictions opsPerSec } }`,
  health: `query Health { health { ${HEALTH} } }`,
  consistency: `query Consistency($token: String!) { consistency(token: $token) { ${VISIBILITY} } }`,
  labExperiments: `query Lab { labExperiments { ${LAB} } }`,
  faults: `query Faults { faults { projections { ${CONTROL} } units { available reason controllable actions states { name kind state pid } } recent { at action target by { userId email address } detail outcome error durationMs } } }`,
  reconcile: `query Reconcile { reconcile }`,
  comments: `query Comments($postId: ID!) { comments(postId: $postId) { id post_id author_id body createdAt } }`,
  deadLetters: `query DeadLetters($limit: Int) { deadLetters(limit: $limit) { id group topic partition offset key value error attempts failedAt stage replayedAt valueTruncated } }`,
};

export const M = {
  login: `mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { token expiresAt user { ${USER} } } }`,
  logout: `mutation Logout { logout }`,
  createUser: `mutation CreateUser($input: CreateUserInput!, $consistency: ConsistencyMode) { createUser(input: $input, consistency: $consistency) { user { ${USER} } ${CONSISTENCY} } }`,
  updateUser: `mutation UpdateUser($id: SafeInt!, $input: UpdateUserInput!, $consistency: ConsistencyMode) { updateUser(id: $id, input: $input, consistency: $consistency) { user { ${USER} } ${CONSISTENCY} } }`,
  deleteUser: `mutation DeleteUser($id: SafeInt!, $consistency: ConsistencyMode) { deleteUser(id: $id, consistency: $consistency) { deleted ${CONSISTENCY} } }`,
  createPost: `mutation CreatePost($input: CreatePostInput!, $consistency: ConsistencyMode) { createPost(input: $input, consistency: $consistency) { post { ${POST} } ${CONSISTENCY} } }`,
  updatePost: `mutation UpdatePost($id: ID!, $input: UpdatePostInput!, $consistency: ConsistencyMode) { updatePost(id: $id, input: $input, consistency: $consistency) { post { ${POST} } ${CONSISTENCY} } }`,
  deletePost: `mutation DeletePost($id: ID!, $consistency: ConsistencyMode) { deletePost(id: $id, consistency: $consistency) { deleted ${CONSISTENCY} } }`,
  likePost: `mutation LikePost($id: ID!, $userId: SafeInt, $consistency: ConsistencyMode) { likePost(id: $id, userId: $userId, consistency: $consistency) { post { ${POST} } ${CONSISTENCY} } }`,
  addComment: `mutation AddComment($postId: ID!, $input: CreateCommentInput!, $consistency: ConsistencyMode) { addComment(postId: $postId, input: $input, consistency: $consistency) { comment { id post_id author_id body createdAt } ${CONSISTENCY} } }`,
  deleteComment: `mutation DeleteComment($postId: ID!, $commentId: ID!, $consistency: ConsistencyMode) { deleteComment(postId: $postId, commentId: $commentId, consistency: $consistency) { deleted ${CONSISTENCY} } }`,
  follow: `mutation Follow($followerId: SafeInt!, $followeeId: SafeInt!, $consistency: ConsistencyMode) { follow(followerId: $followerId, followeeId: $followeeId, consistency: $consistency) { follow { followerId followeeId created } ${CONSISTENCY} } }`,
  unfollow: `mutation Unfollow($followerId: SafeInt!, $followeeId: SafeInt!, $consistency: ConsistencyMode) { unfollow(followerId: $followerId, followeeId: $followeeId, consistency: $consistency) { deleted ${CONSISTENCY} } }`,
  runLab: `mutation RunLab($input: LabExperimentInput!) { runLabExperiment(input: $input) { ${LAB} } }`,
  pause: `mutation Pause($name: String!) { pauseProjection(name: $name) { ${CONTROL} } }`,
  resume: `mutation Resume($name: String!) { resumeProjection(name: $name) { ${CONTROL} } }`,
  setFaults: `mutation SetFaults($name: String!, $delayMs: Int, $duplicate: Boolean) { setProjectionFaults(name: $name, delayMs: $delayMs, duplicate: $duplicate) { ${CONTROL} } }`,
  unitAction: `mutation UnitAction($unit: String!, $action: UnitAction!) { unitAction(unit: $unit, action: $action) { unit action durationMs output } }`,
  repair: `mutation Repair { repair }`,
  replayDeadLetters: `mutation ReplayDeadLetters($id: String, $all: Boolean) { replayDeadLetters(id: $id, all: $all) { replayed pending refused { id reason } } }`,
};

export const S = {
  changes: `subscription Changes { changeApplied { changes { ${CHANGE} } dropped from to } }`,
  visibility: `subscription Visibility($token: String!) { changeVisibility(token: $token) { ${VISIBILITY} } }`,
  health: `subscription Health { health { ${HEALTH} } }`,
};
