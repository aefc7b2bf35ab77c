// Jaeger's answer for one trace → the Trace the API answers (contracts/traces.ts):
// pure, so it is tested on a recorded answer (test/fixtures/jaeger-trace.json).
//
// What Jaeger's format says, as OpenTelemetry's spans are translated into it
// (the OTLP → Jaeger mapping of opentelemetry-collector-contrib):
// - a span's parent is its first CHILD_OF reference; a link is a FOLLOWS_FROM
//   reference, which here stands in for a parent only when it points into the
//   same trace and there is no CHILD_OF (a consumer that linked, rather than
//   parented, the producer's span still hangs under it);
// - the kind is the tag span.kind (client, server, producer, consumer); an
//   internal span has none;
// - the status is the tag otel.status_code (ERROR, OK), and error=true on an error;
// - times are microseconds since the epoch; the service is the process's serviceName.
import { SPAN_KINDS, type Trace, type TraceSpan } from '@polyglot/contracts/traces';
import type { JaegerSpan, JaegerTag, JaegerTrace } from '../data-access/jaeger.client.ts';

type AttributeValue = TraceSpan['attributes'][string];

/** Tags that become a field of their own, or are Jaeger's bookkeeping: not repeated among the attributes. */
const FOLDED = new Set(['span.kind', 'otel.status_code', 'error', 'internal.span.format']);

/** Jaeger prints a trace id whose high half is zero in 16 characters: compare ids at their full width. */
const fullWidth = (id: string, width: number) => id.toLowerCase().padStart(width, '0');

function tagValue(tag: JaegerTag): AttributeValue {
  const { type, value } = tag;
  if (type === 'bool') return value === true || value === 'true';
  if ((type === 'int64' || type === 'float64') && (typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))))) return Number(value);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value) ?? '';
}

function tagOf(span: JaegerSpan, key: string): JaegerTag | undefined {
  return span.tags?.find((t) => t.key === key);
}

function isError(span: JaegerSpan): boolean {
  const status = tagOf(span, 'otel.status_code');
  if (typeof status?.value === 'string' && status.value.toUpperCase() === 'ERROR') return true;
  const error = tagOf(span, 'error');
  return error !== undefined && (error.value === true || error.value === 'true');
}

function kindOf(span: JaegerSpan): TraceSpan['kind'] {
  const value = tagOf(span, 'span.kind')?.value;
  return typeof value === 'string' && (SPAN_KINDS as readonly string[]).includes(value.toLowerCase()) ? (value.toLowerCase() as TraceSpan['kind']) : null;
}

function parentOf(span: JaegerSpan, traceId: string): string | null {
  const inTrace = (span.references ?? []).filter((r) => fullWidth(r.traceID, 32) === traceId && fullWidth(r.spanID, 16) !== fullWidth(span.spanID, 16));
  const parent = inTrace.find((r) => r.refType === 'CHILD_OF') ?? inTrace.find((r) => r.refType === 'FOLLOWS_FROM');
  return parent ? fullWidth(parent.spanID, 16) : null;
}

/** How deep a span sits under the spans the trace holds (a missing parent ends the chain; a cycle is cut). */
function depths(parents: Map<string, string | null>): Map<string, number> {
  const depth = new Map<string, number>();
  const of = (id: string, seen: Set<string>): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    const parent = parents.get(id);
    const d = parent && parents.has(parent) && !seen.has(parent) ? of(parent, seen.add(id)) + 1 : 0;
    depth.set(id, d);
    return d;
  };
  for (const id of parents.keys()) of(id, new Set());
  return depth;
}

/** Every span of the trace's parts, in the contract's shape, ordered by start; null when there is none. */
export function normaliseTrace(traceId: string, parts: readonly JaegerTrace[]): Trace | null {
  const wanted = fullWidth(traceId, 32);
  const seen = new Set<string>();
  const raw: Array<{ span: JaegerSpan; service: string; spanId: string; parentSpanId: string | null }> = [];
  for (const part of parts) {
    for (const span of part.spans) {
      const spanId = fullWidth(span.spanID, 16);
      // A span written twice (an exporter's retry) is one span.
      if (seen.has(spanId) || fullWidth(span.traceID, 32) !== wanted) continue;
      seen.add(spanId);
      raw.push({ span, spanId, service: part.processes[span.processID]?.serviceName ?? 'unknown service', parentSpanId: parentOf(span, wanted) });
    }
  }
  if (raw.length === 0) return null;

  const depth = depths(new Map(raw.map((r) => [r.spanId, r.parentSpanId])));
  raw.sort((a, b) => a.span.startTime - b.span.startTime || depth.get(a.spanId)! - depth.get(b.spanId)! || a.spanId.localeCompare(b.spanId));
  const first = raw[0]!.span.startTime;
  const end = Math.max(...raw.map((r) => r.span.startTime + r.span.duration));

  const spans: TraceSpan[] = raw.map(({ span, service, spanId, parentSpanId }) => ({
    spanId,
    parentSpanId,
    service,
    name: span.operationName,
    kind: kindOf(span),
    startedAt: new Date(Math.floor(span.startTime / 1000)).toISOString(),
    startOffsetMs: (span.startTime - first) / 1000,
    durationMs: span.duration / 1000,
    status: isError(span) ? 'error' : 'ok',
    attributes: Object.fromEntries((span.tags ?? []).filter((t) => !FOLDED.has(t.key)).map((t) => [t.key, tagValue(t)])),
  }));
  return { traceId: wanted, spans, services: [...new Set(spans.map((s) => s.service))], durationMs: (end - first) / 1000 };
}
