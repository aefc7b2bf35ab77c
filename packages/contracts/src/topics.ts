// Kafka topics. Every message is keyed by the id of the entity it is about,
// so one entity's changes stay in one partition, in order.

export const topics = {
  /** Debezium: changes of PostgreSQL's users table, keyed by {"id": N}. */
  userChanges: 'users-db.public.users',
  /** Posts outbox relay: post, like and comment events, keyed by post id. */
  postEvents: 'posts.events',
  /** Graph outbox relay: follow and unfollow events, keyed by follower id. */
  graphEvents: 'graph.events',
  /** Messages a consumer could not handle after its retries, with the error. */
  deadLetters: 'pipeline.dead-letters',
} as const;

export const PIPELINE_TOPICS = [topics.userChanges, topics.postEvents, topics.graphEvents] as const;

/** Consumer groups; each projection has its own, so each keeps its own position. */
export const consumerGroups = {
  graphProjector: 'projector-graph',
  cacheProjector: 'projector-cache',
  analyticsProjector: 'projector-analytics',
  postsUserCascade: 'posts-user-cascade',
} as const;
