// The consistency lab's request and result (POST /lab/experiments, GET /lab/experiments,
// the GraphQL lab fields): the gateway runs an experiment and keeps the results.
import { z } from 'zod';
import { CONSISTENCY_MODES, PROJECTIONS } from './consistency.ts';
import { LatencySummary } from './health.ts';
import { HISTORY_PROPERTIES } from './history.ts';

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

/** Anomalies a result keeps, each with its fragment of the history; the counts per property cover them all. */
export const MAX_LAB_ANOMALIES = 20;

const count = z.number().int().nonnegative();

const PropertyVerdict = z.object({
  checked: count.describe('comparisons made: (entity, store) views for strong, store observations for the others'),
  anomalies: count,
  undecided: count.optional().describe('strong: views Porcupine could not decide in time'),
  convergenceMs: z.number().nullable().optional().describe('convergence: last acknowledged write → the final observation (a figure, not a pass mark)'),
});

export const LabAnomaly = z.object({
  property: z.enum(HISTORY_PROPERTIES),
  entity: z.string().describe('users:ID, posts:<24 hex> or graph:FOLLOWER:FOLLOWEE'),
  store: z.string(),
  explanation: z.string(),
  indexes: z.array(count).describe('the lines of the smallest fragment of the history that shows it'),
  lines: z.array(z.record(z.string(), z.unknown())).describe('those lines, as recorded (docs/history-checker.md)'),
});

export const LabVerdict = z
  .object({
    valid: z.boolean().describe('no anomaly in any property'),
    operations: count,
    entities: count,
    historyLines: count.describe('lines of the recorded history'),
    properties: z.partialRecord(z.enum(HISTORY_PROPERTIES), PropertyVerdict).describe('each property the checker judges'),
    anomalies: z.array(LabAnomaly).describe(`the first ${MAX_LAB_ANOMALIES}, each with its fragment of the history`),
    anomaliesOmitted: count.describe('anomalies beyond those listed'),
  })
  .describe("the history checker's verdict on the experiment's recorded history (docs/history-checker.md)");
export type LabVerdict = z.infer<typeof LabVerdict>;

export const ExperimentResult = z.object({
  id: z.string(),
  input: z.object({ mode: z.enum(CONSISTENCY_MODES), writes: z.number().int(), rate: z.number(), kind: z.enum(EXPERIMENT_KINDS) }),
  startedAt: z.iso.datetime(),
  durationMs: z.number(),
  failedWrites: z.number().int().describe('writes that answered an error (a strong write that timed out counts here, and its reads still run)'),
  writeLatencyMs: LatencySummary.describe('client side: the write request until its answer'),
  stores: z.partialRecord(z.enum(PROJECTIONS), StoreResult),
  verdict: LabVerdict.nullable().optional().describe('null when the checker could not run (verdictError says why); absent on results kept before the lab recorded histories'),
  verdictError: z.string().nullable().optional().describe('why there is no verdict'),
});
export type ExperimentResult = z.infer<typeof ExperimentResult>;
