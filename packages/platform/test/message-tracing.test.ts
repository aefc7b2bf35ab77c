// The pipeline's Kafka spans (message-tracing.ts), on recorded records: where a
// record's trace context is found (a relay's header, a Debezium record's
// after-image, a users delete's stamped before-image), and the spans a
// consumer group leaves for what it processed, read from an in-memory exporter.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { debeziumTraced, fixture, postsCapture } from '@polyglot/contracts/test-fixtures/recorded-messages';
import { normalizeMessage } from '@polyglot/contracts/events';
import { appliedOf, type InboundMessage } from '../src/kafka.ts';
import { traceparentOfRecord, traceProcessed } from '../src/message-tracing.ts';

const TP = /00-([0-9a-f]{32})-([0-9a-f]{16})-01/g;
const contextsIn = (value: string) => [...value.matchAll(TP)].map((m) => m[0]);

function inbound(recorded: { topic: string; key: string | null; value: string | null }, headers: Record<string, string> = {}): InboundMessage {
  return { ...recorded, partition: 0, offset: 7n, timestamp: new Date(Date.now()), headers };
}

describe('the trace context a record carries', () => {
  test('a relay’s record: its traceparent header, before anything in its value', () => {
    const header = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    assert.equal(traceparentOfRecord({ headers: { traceparent: header }, value: fixture(postsCapture, 'postCreated').value }), header);
  });

  test('a Debezium record: the after-image’s, not the before-image’s', () => {
    for (const [set, name] of [[postsCapture, 'postCreated'], [postsCapture, 'postLikedListed'], [debeziumTraced, 'created'], [debeziumTraced, 'updated']] as const) {
      const value = fixture(set, name).value!;
      assert.equal(traceparentOfRecord({ headers: {}, value }), contextsIn(value).at(-1), name);
    }
    const liked = fixture(postsCapture, 'postLikedListed').value!;
    assert.notEqual(contextsIn(liked)[0], contextsIn(liked).at(-1), 'the fixture’s two images carry two contexts');
  });

  test('a users delete: its before-image, which the delete stamped; a posts row removed: its last version’s', () => {
    const deleted = fixture(debeziumTraced, 'deleted').value!;
    assert.equal(traceparentOfRecord({ headers: {}, value: deleted }), JSON.parse(deleted).before.traceparent);
    const removed = fixture(postsCapture, 'rowRemoved').value!;
    assert.equal(traceparentOfRecord({ headers: {}, value: removed }), contextsIn(removed).at(-1));
  });

  test('an after-image without one is outside any trace, whatever its before-image carried', () => {
    const updated = JSON.parse(fixture(debeziumTraced, 'updated').value!) as { after: Record<string, unknown> };
    updated.after.traceparent = null;
    assert.equal(traceparentOfRecord({ headers: {}, value: JSON.stringify(updated) }), undefined);
    assert.equal(traceparentOfRecord({ headers: {}, value: null }), undefined);
    assert.equal(traceparentOfRecord({ headers: {}, value: '{"traceparent":"not-a-context"}' }), undefined);
  });
});

describe('the spans of what a consumer group processed', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  before(() => trace.setGlobalTracerProvider(provider));
  after(async () => {
    await provider.shutdown();
    trace.disable();
  });
  beforeEach(() => exporter.reset());

  const created = () => inbound(fixture(debeziumTraced, 'created'));
  const appliedOfRecord = (message: InboundMessage) => appliedOf(normalizeMessage(message.topic, message.value)!);

  test('one CONSUMER span per record, a child of the write, in the write’s trace; the capture only where the group reports it', () => {
    const message = created();
    const [, traceId, spanId] = /00-([0-9a-f]{32})-([0-9a-f]{16})-01/.exec(traceparentOfRecord(message)!)!;
    traceProcessed('projector-cache', [{ message, applied: appliedOfRecord(message) }], Date.now() - 5);
    let spans = exporter.getFinishedSpans();
    assert.deepEqual(spans.map((s) => s.name), ['projector-cache process users-db.public.users']);
    assert.equal(spans[0]!.spanContext().traceId, traceId);
    assert.equal(spans[0]!.parentSpanContext?.spanId, spanId);
    assert.equal(spans[0]!.attributes['messaging.kafka.offset'], 7);

    exporter.reset();
    traceProcessed('projector-analytics', [{ message, applied: appliedOfRecord(message) }], Date.now() - 5, { reportsCapture: true });
    spans = exporter.getFinishedSpans();
    const capture = spans.find((s) => s.name === 'debezium capture users-db.public.users');
    assert.ok(capture, 'the capture span');
    assert.equal(capture.parentSpanContext?.spanId, spanId);
    assert.deepEqual(capture.events.map((e) => e.name), ['read from the WAL']);
  });

  test('a dead-lettered record’s span says so; a record outside any trace makes none', () => {
    traceProcessed('projector-graph', [{ message: created(), error: new Error('does not parse') }, { message: inbound({ topic: 'graph.events', key: '1', value: '{}' }) }], Date.now());
    const spans = exporter.getFinishedSpans();
    assert.equal(spans.length, 1);
    assert.match(spans[0]!.status.message ?? '', /dead-lettered: does not parse/);
  });
});
