// One trace as the gateway answers it (GET /traces/:traceId, GraphQL trace):
// every span of one change, from the gateway's request to each projection's
// apply, read back from Jaeger and normalised so that a client needs to know
// nothing of Jaeger's own format.
import { z } from 'zod';
import { TRACE_ID } from './trace-context.ts';

export const TraceIdText = z
  .string()
  .regex(TRACE_ID, 'a trace id is 32 lowercase hexadecimal characters, not all zero (the second field of traceparent or traceresponse)')
  .describe("a W3C trace id: 32 lowercase hex characters, as in the traceresponse header of the gateway's answer");

export const TraceIdParam = z.object({ traceId: TraceIdText });

export const SPAN_KINDS = ['server', 'client', 'producer', 'consumer', 'internal'] as const;

/** What a span's attribute may hold (OpenTelemetry's primitive values; an array arrives as its JSON text). */
export const SpanAttributes = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
  .describe("the span's attributes (OpenTelemetry semantic conventions: http.route, messaging.destination.name, db.system, …)");

export const TraceSpan = z
  .object({
    spanId: z.string().describe('16 hex characters'),
    parentSpanId: z.string().nullable().describe("the span it is a child of; null for the trace's root. It may name a span the trace does not hold (not exported, or lost)"),
    service: z.string().describe('service.name of the process that recorded it (gateway, users, graph, projectors, …)'),
    name: z.string().describe('what the span did (its operation name)'),
    kind: z.enum(SPAN_KINDS).nullable().describe('from its span.kind tag; null when it has none (OpenTelemetry records no tag for an internal span)'),
    startedAt: z.string().describe('ISO time it started (to the millisecond; startOffsetMs is exact to the microsecond)'),
    startOffsetMs: z.number().describe("ms from the start of the trace's first span"),
    durationMs: z.number().describe('ms, to the microsecond'),
    status: z.enum(['ok', 'error']).describe('error when OpenTelemetry set its status to ERROR (otel.status_code) or it carries error=true'),
    attributes: SpanAttributes,
  })
  .describe('One unit of work in one process: a request, a store write, a Kafka produce or consume, a projection applying a change.');
export type TraceSpan = z.output<typeof TraceSpan>;

export const Trace = z
  .object({
    traceId: TraceIdText,
    spans: z.array(TraceSpan).describe('ordered by start (a parent before its children when they start together)'),
    services: z.array(z.string()).describe('every service the trace crossed, in the order it first reached each'),
    durationMs: z.number().describe('from the first span’s start to the last span’s end'),
  })
  .describe('Every span Jaeger holds of one trace: the hops of one change through the system.');
export type Trace = z.output<typeof Trace>;
