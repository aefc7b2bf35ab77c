// Kafka topics. Every message is keyed by the id of the entity it is about, so one
// entity's changes stay in one partition, in order; the posts' changes, which have
// no key, are in order in their topic's single partition.

export const topics = {
  /** Debezium: changes of PostgreSQL's users table, keyed by {"id": N}. */
  userChanges: 'users-db.public.users',
  /**
   * Debezium: every version of every post, each carrying the domain event of its change (lastEvent),
   * from FerretDB's PostgreSQL natively or MongoDB's change stream under Compose. One partition, no key.
   */
  postChanges: 'posts-db.changes',
  /**
   * What the posts outbox relay published before posts were captured from the store's log. Still read,
   * so a stack made before keeps what was published there and not yet applied when it was stopped.
   */
  legacyPostEvents: 'posts.events',
  /** Graph outbox relay: follow and unfollow events, keyed by follower id. */
  graphEvents: 'graph.events',
  /** Messages a consumer could not handle after its retries, or a relay could not produce, with the error. */
  deadLetters: 'pipeline.dead-letters',
  /** What became of each replayed dead letter (replayed, then applied), keyed by the dead letter's id. */
  deadLetterReplays: 'pipeline.dead-letter-replays',
} as const;

/**
 * The broker's largest record batch, in bytes: its message.max.bytes, which the
 * stack's Kafka sets to this explicitly (Kafka's own default). A produce
 * request carries one batch per partition, so a relay's send stays under it.
 */
export const KAFKA_MAX_MESSAGE_BYTES = 1_048_588;

/** Partitions of a topic the stack or a consumer makes: 3, or what its contract needs. */
const DEFAULT_PARTITIONS = 3;

/**
 * Topics whose order holds only in one partition. The posts' changes have no key (FerretDB's rows
 * have none), so a producer would spread them over every partition there is, and one post's
 * versions could be applied out of order. Whoever makes a topic first makes it with this count.
 */
const SINGLE_PARTITION: ReadonlySet<string> = new Set([topics.postChanges]);

/** How many partitions `topic` is made with, by the stack's connectors and by every consumer alike. */
export function partitionsOf(topic: string): number {
  return SINGLE_PARTITION.has(topic) ? 1 : DEFAULT_PARTITIONS;
}

export const PIPELINE_TOPICS = [topics.userChanges, topics.postChanges, topics.legacyPostEvents, topics.graphEvents] as const;

/** Consumer groups; each projection has its own, so each keeps its own position. */
export const consumerGroups = {
  graphProjector: 'projector-graph',
  cacheProjector: 'projector-cache',
  analyticsProjector: 'projector-analytics',
  postsUserCascade: 'posts-user-cascade',
  /** Reads the dead letters into the projectors' in-memory index; commits nothing. */
  deadLetterIndex: 'dead-letter-index',
} as const;
