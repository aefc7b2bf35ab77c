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

/** The outbox relay the graph service runs, as its /health reports it (relay). */
export const RelayHealth = z
  .object({
    running: z.boolean().describe('false when this process leaves its outbox to another (GRAPH_RELAY=off)'),
    backlog: z.number().int().nullable().describe('events waiting in the outbox; null when Neo4j does not answer'),
    published: z.number().int(),
    lastPublishedAt: z.string().nullable(),
    lastError: z.string().nullable().describe('why the last round failed (Kafka or Neo4j down); null when the last round worked'),
    deadLettered: z.number().int().describe('events that could never be produced: sent to pipeline.dead-letters and removed from the outbox'),
  })
  .describe('the outbox relay in this process, which publishes the follow events to graph.events; its troubles do not make the service degraded');
export type RelayHealth = z.infer<typeof RelayHealth>;

/** This process's tracing (docs/tracing.md): its settings, and whether its spans reach Jaeger. */
export const TracingHealth = z.object({
  enabled: z.boolean().describe('false with TRACING=off: no span is made or sent'),
  sampleRatio: z.number().describe('TRACE_SAMPLE_RATIO: the share of writes traced where a trace starts'),
  exportedSpans: z.number().int().describe('spans Jaeger has taken since the process started'),
  failedSpans: z.number().int().describe('spans whose export failed (Jaeger down or refusing); they are not sent again'),
  lastError: z.string().nullable().describe('why the last export failed; null once one succeeded since'),
});
export type TracingHealth = z.infer<typeof TracingHealth>;

/**
 * A service's /health body as the gateway passes it on: the fields every service may report, typed; a
 * body with more keeps them (loose), and a service that does not answer is {status: 'down', error}.
 */
export const ServiceHealth = z.looseObject({
  status: z.string().describe("ok, degraded, or down when the gateway got no answer"),
  error: z.string().optional(),
  code: z.string().optional(),
  checks: z.record(z.string(), z.string()).optional().describe("the service's own stores: ok, unavailable, or up / down: <reason>"),
  projection: ProjectionHealth.optional().describe('the projection this service runs (graph, analytics, projectors: cache)'),
  userCascade: ProjectionHealth.nullable().optional().describe("the posts service's consumer of user deletions; null when switched off"),
  relay: RelayHealth.optional().describe("the graph service's outbox relay"),
  deadLetters: z.number().int().optional().describe('records held by the dead-letter index (projectors)'),
  tracing: TracingHealth.optional().describe("the service's tracing and its exports to Jaeger"),
});
export type ServiceHealth = z.infer<typeof ServiceHealth>;
