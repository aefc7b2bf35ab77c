// Consistency tokens and projection watermarks: what the writers, the three
// projections and the gateway agree on to offer strong writes and
// read-your-writes on top of an eventually consistent pipeline.
//
// A token names one change by where it sits in its source's log, per entity:
// the PostgreSQL WAL position for a user (taken under the row's lock, before
// the change was written, so the change's own LSN is at or after it and every
// earlier change of that user before it), the post's version for a post, the
// graph outbox sequence for a follow. Positions only grow per entity, so "the
// projection has applied position ≥ P for this entity" means "it shows this
// change or a later one".
//
// Each projection, after applying changes, raises its per-entity watermark in
// Redis (a hash per projection and source) and announces what it applied on a
// pub/sub channel; the gateway waits on those announcements, never by polling.
import { z } from 'zod';

export const PROJECTIONS = ['graph', 'cache', 'analytics'] as const;
export type ProjectionName = (typeof PROJECTIONS)[number];

/** Where a projection's store is, for messages a person reads. */
export const PROJECTION_STORES: Record<ProjectionName, string> = { graph: 'Neo4j', cache: 'Redis', analytics: 'TimescaleDB' };

export const SOURCES = ['users', 'posts', 'graph'] as const;
export type SourceName = (typeof SOURCES)[number];

/** The projections that apply a source's changes (a follow is born in Neo4j: the graph is its source, not a projection of it). */
export const PROJECTIONS_OF: Record<SourceName, readonly ProjectionName[]> = {
  users: ['graph', 'cache', 'analytics'],
  posts: ['graph', 'cache', 'analytics'],
  graph: ['cache', 'analytics'],
};

export interface ConsistencyToken {
  source: SourceName;
  /** User id, post id (24 hex) or follower id. */
  entityId: string;
  /** Position of the change in the entity's source log. */
  position: number;
}

const TOKEN = /^(users|posts|graph):([0-9]{1,19}|[0-9a-f]{24}):([0-9]{1,19})$/;

export function formatToken(token: ConsistencyToken): string {
  return `${token.source}:${token.entityId}:${token.position}`;
}

/** null when the text is not a token. */
export function parseToken(text: string): ConsistencyToken | null {
  const match = TOKEN.exec(text);
  if (!match) return null;
  const position = Number(match[3]);
  if (!Number.isSafeInteger(position)) return null;
  return { source: match[1] as SourceName, entityId: match[2]!, position };
}

/** Validates a token in a query string or header, with a message a person can act on. */
export const TokenText = z
  .string()
  .regex(TOKEN, 'a consistency token is SOURCE:ENTITY:POSITION as returned by a write (e.g. users:42:23871232)')
  .describe('a consistency token from a write response (header x-consistency-token): wait until this read reflects that write');

export const CONSISTENCY_MODES = ['eventual', 'strong'] as const;
export type ConsistencyMode = (typeof CONSISTENCY_MODES)[number];

/** Hash: entity id → highest position applied by this projection. */
export const watermarkKey = (projection: ProjectionName, source: SourceName): string => `wm:${projection}:${source}`;

/**
 * Hash per entity: `POSITION:PROJECTION` → epoch ms when that projection applied the change at
 * POSITION, `POSITION:committed` → when the source committed it, `POSITION:captured` → when Debezium
 * read it from the WAL (users), `POSITION:kafka` → when Kafka took it. Expires an hour after its last change.
 * A token's position is a lower bound (a user's is taken before its change was written): its
 * change is the entity's first one at or after it.
 */
export const visibilityKey = (source: SourceName, entityId: string): string => `visible:${source}:${entityId}`;

/** How long a change's visibility record is kept. */
export const VISIBILITY_TTL_SECONDS = 3600;

/** Pub/sub channel: a JSON array of AppliedNotice, one message per applied batch. */
export const APPLIED_CHANNEL = 'pipeline:applied';

export const AppliedNotice = z.object({
  projection: z.enum(PROJECTIONS),
  source: z.enum(SOURCES),
  entityId: z.string(),
  position: z.number().int().nonnegative(),
  type: z.string(),
  /** Epoch ms: the source's commit. */
  committedAt: z.number().int(),
  /** Epoch ms: applied in the projection's store. */
  appliedAt: z.number().int(),
  /** Epoch ms when Debezium read the change from the WAL (users only). */
  capturedAt: z.number().int().optional(),
  /** The Kafka record it came in; publishedAt (epoch ms) is when Kafka took it from Debezium or a relay. */
  kafka: z.object({ topic: z.string(), partition: z.number().int(), offset: z.string(), publishedAt: z.number().int() }).optional(),
});
export type AppliedNotice = z.infer<typeof AppliedNotice>;

/** What a projection's store shows of one entity: the source position it holds (null: nothing). */
export const ShownPosition = z.object({
  position: z.number().int().nonnegative().nullable().describe('the highest source position of this entity the store shows; null when it shows nothing of it'),
});
export type ShownPosition = z.infer<typeof ShownPosition>;

/** The path parameters of a shown-position lookup. */
export const ShownPositionParams = z.object({
  source: z.enum(SOURCES),
  entityId: z.string().regex(/^([0-9]{1,19}|[0-9a-f]{24})$/, 'an entity id is a user id or a 24-hex post id'),
});
