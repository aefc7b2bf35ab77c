// What each store shows of an entity, with its source position: the reads of
// a recorded history (docs/history-checker.md). The gateway answers
// POST /lab/observations from every store an entity lives in; each service
// that owns a store answers POST /internal/observations for its own.
import { z } from 'zod';
import { TokenText } from './consistency.ts';

/** `users:ID`, `posts:<24 hex>` or `graph:FOLLOWER:FOLLOWEE`, as a history names entities. */
export const HISTORY_ENTITY = /^(users:[1-9][0-9]{0,15}|posts:[0-9a-f]{24}|graph:[1-9][0-9]{0,15}:[1-9][0-9]{0,15})$/;

/** Entities the gateway observes in one request: the final section of a run asks for them in batches of this. */
export const MAX_OBSERVED_ENTITIES = 200;

/** How long a read with a token waits for the projections before it observes, at most. */
export const MAX_OBSERVE_WAIT_MS = 10_000;

export const HistoryEntityName = z
  .string()
  .regex(HISTORY_ENTITY, 'an entity is users:ID, posts:<24 hex> or graph:FOLLOWER:FOLLOWEE')
  .describe('users:ID, posts:<24 hex> or graph:FOLLOWER:FOLLOWEE (a follow, by its pair)');

export const StoreObservation = z.object({
  position: z.number().int().nonnegative().nullable().describe('the source position of the state the store holds; null: the entity is absent there'),
  deleted: z.boolean().describe('the state is a deletion (a tombstone, which has a position)'),
});
export type StoreObservation = z.infer<typeof StoreObservation>;

export const ObserveBody = z.strictObject({
  entities: z.array(HistoryEntityName).min(1).max(MAX_OBSERVED_ENTITIES).describe(`at most ${MAX_OBSERVED_ENTITIES}`),
  token: TokenText.optional().describe('a write\'s consistency token: first wait until every projection of its source shows that write (as a strong write does), then observe'),
  timeoutMs: z.number().int().min(1).max(MAX_OBSERVE_WAIT_MS).optional().describe(`how long to wait for the token, in ms (default 5000, at most ${MAX_OBSERVE_WAIT_MS})`),
});
export type ObserveBody = z.infer<typeof ObserveBody>;

export const ObservedEntities = z.object({
  entities: z
    .record(HistoryEntityName, z.object({ observed: z.record(z.string(), StoreObservation).describe('per store: postgres, ferretdb, neo4j, redis, timescaledb') }))
    .describe('per entity, each store it lives in that answered'),
  unavailable: z.record(z.string(), z.string()).describe('the stores that did not answer, with why: left out of every entity above'),
});
export type ObservedEntities = z.infer<typeof ObservedEntities>;

// ---- what a service answers of its own store ----

/** users: user ids; posts: post ids; graph: FOLLOWER:FOLLOWEE pairs (a follow). */
export const ObservationRequest = z.strictObject({
  source: z.enum(['users', 'posts', 'graph']),
  ids: z
    .array(z.string().regex(/^([1-9][0-9]{0,15}|[0-9a-f]{24}|[1-9][0-9]{0,15}:[1-9][0-9]{0,15})$/, 'an id is a user id, a post id or FOLLOWER:FOLLOWEE'))
    .min(1)
    .max(MAX_OBSERVED_ENTITIES),
});
export type ObservationRequest = z.infer<typeof ObservationRequest>;

export const StoreObservations = z.object({
  observed: z.record(z.string(), StoreObservation).describe('per id asked for'),
});
export type StoreObservations = z.infer<typeof StoreObservations>;
