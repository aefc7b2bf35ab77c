// OpenTelemetry tracing, one trace per change (docs/tracing.md): every process
// starts it once (runUntilSignal), every hop makes its span through the helpers
// below, and the W3C trace context travels in HTTP headers, in the stores'
// change records (the users row's traceparent column, a post's lastEvent, the
// graph outbox node) and in Kafka record headers.
//
// Spans are made by hand, not by auto-instrumentation: the hops that matter
// (a Debezium capture, a Kafka record, a projection's apply) have no
// instrumentation to borrow, the HTTP hooks are a few lines, and patching every
// pg, mongodb and ioredis call would cost CPU on paths where a trace says
// nothing new (docs/adr/0026-tracing-by-hand-at-each-hop.md).
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type SpanContext, type SpanOptions } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import type { TracingHealth } from '@polyglot/contracts/health';
import { z } from 'zod';
import { urls } from '@polyglot/contracts/endpoints';
import { envSwitch, loadConfig } from './config.ts';

export { SpanKind };

/** The one tracer of the platform; a no-op until startTracing registers a provider. */
export const tracer = trace.getTracer('polyglot-persistence');

/**
 * TRACING (on|off, default on), TRACE_SAMPLE_RATIO (0–1, default 1: the share of writes traced, decided
 * at the first hop and followed by every later one), OTLP_TRACES_URL (Jaeger's OTLP/HTTP receiver, under its path secret).
 */
export const TracingConfig = z.object({
  TRACING: envSwitch('on'),
  TRACE_SAMPLE_RATIO: z.coerce.number().min(0).max(1).default(1),
  OTLP_TRACES_URL: z
    .string()
    .regex(/^https?:\/\/[^/]+\/.+/, 'OTLP_TRACES_URL is the full URL of an OTLP/HTTP traces receiver, e.g. http://127.0.0.1:4318/PATH_SECRET/v1/traces')
    // Read only when unset: the stack passes it (it carries Jaeger's path secret, from the stack's state).
    .default(() => urls.otlpTraces),
});
export type TracingConfig = z.output<typeof TracingConfig>;

export function loadTracingConfig(service: string, env: NodeJS.ProcessEnv = process.env): TracingConfig {
  return loadConfig(service, TracingConfig, env);
}

type ExportResult = Parameters<Parameters<SpanExporter['export']>[1]>[0];

/** Counts what reaches Jaeger, for /health: a Jaeger that is down costs spans, never a request, so it must show. */
class CountingExporter implements SpanExporter {
  readonly #inner: SpanExporter;
  constructor(inner: SpanExporter) {
    this.#inner = inner;
  }
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.#inner.export(spans, (result) => {
      // ExportResultCode.SUCCESS is 0 (@opentelemetry/core).
      if (result.code === 0) {
        status.exportedSpans += spans.length;
        status.lastError = null;
      } else {
        status.failedSpans += spans.length;
        status.lastError = result.error?.message ?? 'the export failed';
      }
      done(result);
    });
  }
  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.#inner.forceFlush?.() ?? Promise.resolve();
  }
}

const status: TracingHealth = { enabled: false, sampleRatio: 0, exportedSpans: 0, failedSpans: 0, lastError: null };

/** This process's tracing, as its /health reports it. */
export function tracingHealth(): TracingHealth {
  return { ...status };
}

export interface Tracing {
  /** Sends what is still buffered; called once the process has stopped its work. */
  shutdown(): Promise<void>;
}

let contextReady = false;

/**
 * The active context follows async calls (AsyncLocalStorage). Registered by startTracing, and by the HTTP
 * app so that a service started in a test passes the incoming trace context on even without a provider.
 */
export function ensureTraceContext(): void {
  if (contextReady) return;
  contextReady = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

/** Registers the exporter and the sampler for this process; with TRACING=off, spans stay no-ops. */
export function startTracing(serviceName: string, config: TracingConfig): Tracing {
  ensureTraceContext();
  if (!config.TRACING) return { shutdown: async () => undefined };
  Object.assign(status, { enabled: true, sampleRatio: config.TRACE_SAMPLE_RATIO });
  const exporter = new CountingExporter(new OTLPTraceExporter({ url: config.OTLP_TRACES_URL, timeoutMillis: 5000 }));
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    // The first hop decides (the gateway, for a write); every later hop follows the flag in the trace context.
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.TRACE_SAMPLE_RATIO) }),
    // Batched, in the background: a request never waits for an export, and a Jaeger that is down only
    // costs the spans that overflow the queue (dropped, never blocking).
    spanProcessors: [new BatchSpanProcessor({ exporter, maxQueueSize: 4096, maxExportBatchSize: 512, scheduledDelayMillis: 500 })],
    // Attribute values are ids and names; a bound keeps a mistake from shipping a whole document.
    spanLimits: { attributeValueLengthLimit: 256, attributeCountLimit: 32 },
  });
  trace.setGlobalTracerProvider(provider);
  return { shutdown: () => provider.shutdown() };
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The span context a W3C traceparent names, or undefined when absent or malformed (never trusted blindly). */
export function spanContextOf(traceparent: string | string[] | undefined | null): SpanContext | undefined {
  if (typeof traceparent !== 'string') return undefined;
  const match = TRACEPARENT.exec(traceparent.trim());
  if (!match || /^0+$/.test(match[1]!) || /^0+$/.test(match[2]!)) return undefined;
  return { traceId: match[1]!, spanId: match[2]!, traceFlags: Number.parseInt(match[3]!, 16) & 1, isRemote: true };
}

/** The context to start a span under: the remote parent a traceparent names, or none. */
export function contextOf(traceparent: string | string[] | undefined | null): Context | undefined {
  const parent = spanContextOf(traceparent);
  return parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : undefined;
}

/** The W3C traceparent of a span (or of the active one): what the next hop continues from. */
export function traceparentOf(span: Span | undefined = trace.getActiveSpan()): string | undefined {
  const sc = span?.spanContext();
  if (!sc || !trace.isSpanContextValid(sc)) return undefined;
  return `00-${sc.traceId}-${sc.spanId}-0${sc.traceFlags & 1}`;
}

/** Whether there is a trace to continue here: spans are made only inside one, so a seed or a probe makes none. */
export function inTrace(ctx: Context = context.active()): boolean {
  const sc = trace.getSpanContext(ctx);
  return sc !== undefined && trace.isSpanContextValid(sc);
}

/** Ends a span, marking it failed when the work threw. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
  span.end();
}

/**
 * Runs work inside a child span of the active trace, active for the work's own calls. Outside a trace it
 * only runs the work: a span needs a request or a change to belong to.
 */
export async function inSpan<T>(name: string, options: SpanOptions & { attributes?: Attributes }, work: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (!inTrace()) return work(undefined);
  return tracer.startActiveSpan(name, options, async (span) => {
    try {
      const result = await work(span);
      span.end();
      return result;
    } catch (error) {
      endSpan(span, error);
      throw error;
    }
  });
}

/** A store write's span: the database, the operation and the collection or table, never the values. */
export function storeWrite<T>(store: 'postgresql' | 'mongodb' | 'neo4j' | 'redis' | 'timescaledb', operation: string, collection: string, work: () => Promise<T>): Promise<T> {
  return inSpan(`${store} ${operation} ${collection}`, { kind: SpanKind.CLIENT, attributes: { 'db.system.name': store, 'db.operation.name': operation, 'db.collection.name': collection } }, () => work());
}
