// The spans of the pipeline's Kafka hops (docs/tracing.md). @platformatic/kafka
// has no OpenTelemetry instrumentation of its own, so these are ours:
//
// - a relay's publish (PRODUCER), whose context goes in the record's
//   `traceparent` header;
// - a Debezium capture (PRODUCER), built from the change record's own
//   timestamps: from the source's commit to Kafka taking the record, with the
//   moment Debezium read the WAL as an event. Debezium cannot set a header, so
//   the write's context travels in the record itself (the users row's
//   traceparent column, a post's lastEvent) and is read from there. One
//   consumer group reports it (the analytics projection, which reads every
//   change), so it appears once;
// - each consumer group's processing of a record (CONSUMER): from the moment
//   the record was in hand to the moment its store had applied it.
//
// Consumer spans are made once the outcome is known, with their own start
// time, so a batch that fails and is applied again one by one leaves one span
// per record, not two. A record outside any trace (a seed's bulk load) makes none.
import { SpanStatusCode, type Attributes, type Context, type Span } from '@opentelemetry/api';
import type { AppliedChange, InboundMessage } from './kafka.ts';
import { contextOf, SpanKind, tracer } from './tracing.ts';

const TRACEPARENT_VALUE = /traceparent\\*"\s*:\s*\\*"(00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2})\\*"/y;

/**
 * The trace context a record carries: its `traceparent` header (a relay's), else the one inside its value
 * (a Debezium record's row or document). In a Debezium value the after-image comes after the before-image,
 * so the last occurrence is the change's own; it counts only if it lies in the after-image, or the record
 * has none (a users delete: its before-image was stamped by the delete).
 */
export function traceparentOfRecord(message: Pick<InboundMessage, 'headers' | 'value'>): string | undefined {
  const header = message.headers.traceparent;
  if (header) return header;
  const value = message.value;
  if (!value) return undefined;
  const at = value.lastIndexOf('traceparent');
  if (at < 0) return undefined;
  const after = value.indexOf('"after":');
  if (after >= 0 && at < after && !value.startsWith('"after":null', after)) return undefined;
  TRACEPARENT_VALUE.lastIndex = at;
  return TRACEPARENT_VALUE.exec(value)?.[1];
}

/** The context a record's spans belong to, or undefined outside any trace. */
export function recordContext(message: Pick<InboundMessage, 'headers' | 'value'>): Context | undefined {
  return contextOf(traceparentOfRecord(message));
}

function recordAttributes(message: InboundMessage): Attributes {
  return {
    'messaging.system': 'kafka',
    'messaging.destination.name': message.topic,
    'messaging.destination.partition.id': String(message.partition),
    'messaging.kafka.offset': Number(message.offset),
    ...(message.key !== null ? { 'messaging.kafka.message.key': message.key } : {}),
  };
}

export interface ProcessedRecord {
  message: InboundMessage;
  applied?: AppliedChange | null | void;
  /** Set when the record was dead-lettered instead of applied. */
  error?: unknown;
}

/**
 * The spans of records a consumer group handled between `startedAt` and now (one record, or one batch
 * applied in one store transaction), and the capture spans when the group reports them.
 */
export function traceProcessed(group: string, records: readonly ProcessedRecord[], startedAt: number, options: { reportsCapture?: boolean } = {}): void {
  const endedAt = Date.now();
  for (const record of records) {
    const parent = recordContext(record.message);
    if (!parent) continue;
    const span = tracer.startSpan(
      `${group} process ${record.message.topic}`,
      { kind: SpanKind.CONSUMER, startTime: startedAt, attributes: { ...recordAttributes(record.message), 'messaging.consumer.group.name': group, 'messaging.batch.message_count': records.length } },
      parent,
    );
    if (record.error !== undefined) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: `dead-lettered: ${record.error instanceof Error ? record.error.message : String(record.error)}` });
    }
    span.end(endedAt);
    if (options.reportsCapture && record.applied) reportCapture(record.message, record.applied, parent);
  }
}

/** A Debezium capture's span: commit → Kafka took the record, with the WAL read in between. */
function reportCapture(message: InboundMessage, applied: AppliedChange, parent: Context): void {
  if (applied.capturedAt === undefined || applied.replay) return;
  const committedAt = applied.occurredAt.getTime();
  const publishedAt = Math.max(message.timestamp.getTime(), applied.capturedAt, committedAt);
  const span = tracer.startSpan(
    `debezium capture ${message.topic}`,
    { kind: SpanKind.PRODUCER, startTime: committedAt, attributes: { ...recordAttributes(message), 'debezium.commit_to_read_ms': applied.capturedAt - committedAt } },
    parent,
  );
  span.addEvent('read from the WAL', Math.max(applied.capturedAt, committedAt));
  span.end(publishedAt);
}

/**
 * A relay's publish of one event, a child of the write that filled the outbox; its context goes in the
 * record's header. Undefined outside any trace.
 */
export function startPublishSpan(topic: string, key: string, traceparent: string | undefined): Span | undefined {
  const parent = contextOf(traceparent);
  if (!parent) return undefined;
  return tracer.startSpan(`${topic} publish`, { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': topic, 'messaging.kafka.message.key': key } }, parent);
}
