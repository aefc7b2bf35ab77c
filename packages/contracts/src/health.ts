// The part of a service's /health that describes its consumer (a projection,
// the user cascade): the gateway reads these figures into its own /health, and
// benchmarks read the latency. SupervisedConsumer.status() gives exactly this.
import { z } from 'zod';
import { ProjectionFaults } from './faults.ts';

export const LatencySummary = z.object({
  count: z.number().int(),
  p50: z.number().nullable(),
  p99: z.number().nullable(),
  max: z.number().nullable(),
});

/** A consumer waiting out its store: a store that is down is never a reason to dead-letter a message. */
export const StoreWait = z.object({
  since: z.string().describe('when the current message first found the store unavailable'),
  error: z.string().describe('the store’s last error'),
});

export const ProjectionHealth = z.object({
  running: z.boolean().describe('false while the consumer is down (Kafka unreachable) or switched off; it restarts on its own'),
  lag: z.number().int().nullable().describe('messages not projected yet; null when Kafka does not answer'),
  processed: z.number().int().describe('messages handled and committed, dead-lettered ones included'),
  failed: z.number().int().describe('tries that failed for the message’s own sake (each was retried or dead-lettered); waits for a store that is down are not counted'),
  deadLettered: z.number().int(),
  lastAppliedAt: z.string().nullable(),
  latency: LatencySummary.nullable().describe('ms from the source commit to applied in this store, recent messages'),
  faults: ProjectionFaults.optional().describe('faults set on purpose (pause, delay, duplicate) through the gateway’s /faults'),
  waitingForStore: StoreWait.nullable().optional().describe('set while a message waits for the projection’s store to answer again; nothing is dead-lettered meanwhile'),
});
export type ProjectionHealth = z.infer<typeof ProjectionHealth>;

/** What a consumer that is switched off reports. */
export const PROJECTION_OFF: ProjectionHealth = { running: false, lag: null, processed: 0, failed: 0, deadLettered: 0, lastAppliedAt: null, latency: { count: 0, p50: null, p99: null, max: null } };
