// The consistency lab's request and result (POST /lab/experiments, GET /lab/experiments,
// the GraphQL lab fields): the gateway runs an experiment and keeps the results.
import { z } from 'zod';
import { CONSISTENCY_MODES, PROJECTIONS } from './consistency.ts';
import { LatencySummary } from './health.ts';

export const EXPERIMENT_KINDS = ['users', 'posts', 'follows'] as const;
export type ExperimentKind = (typeof EXPERIMENT_KINDS)[number];

export const ExperimentInput = z
  .strictObject({
    mode: z.enum(CONSISTENCY_MODES),
    writes: z.number().int().min(1).max(500).describe('how many writes'),
    rate: z.number().min(0.5).max(100).describe('writes per second, sent on schedule (open loop)'),
    kind: z.enum(EXPERIMENT_KINDS).describe('users: renames; posts: new posts; follows: new follows'),
  })
  .refine((v) => v.writes / v.rate <= 120, { message: 'an experiment may last at most 120 s: lower writes or raise rate', path: ['writes'] });
export type ExperimentInput = z.infer<typeof ExperimentInput>;


const StoreResult = z.object({
  store: z.string().describe('the engine read'),
  role: z.enum(['source', 'projection']).describe('source: where the write happened (always fresh); projection: fed by the pipeline'),
  reads: z.number().int(),
  stale: z.number().int().describe('reads, right after the write answered, that did not show it yet'),
  staleRatio: z.number(),
  timeToVisibleMs: LatencySummary.describe('source commit → applied in this store, as the projection measured it'),
});

export const ExperimentResult = z.object({
  id: z.string(),
  input: z.object({ mode: z.enum(CONSISTENCY_MODES), writes: z.number().int(), rate: z.number(), kind: z.enum(EXPERIMENT_KINDS) }),
  startedAt: z.iso.datetime(),
  durationMs: z.number(),
  failedWrites: z.number().int().describe('writes that answered an error (a strong write that timed out counts here, and its reads still run)'),
  writeLatencyMs: LatencySummary.describe('client side: the write request until its answer'),
  stores: z.partialRecord(z.enum(PROJECTIONS), StoreResult),
});
export type ExperimentResult = z.infer<typeof ExperimentResult>;
