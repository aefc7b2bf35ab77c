// Jaeger's answer → the API's Trace, on a recorded-looking answer for one user
// creation (test/fixtures/jaeger-trace.json: the gateway's request, the users
// service and its INSERT, Debezium's publish, and each projection's consume and
// apply, one of them failing once): no Jaeger needed. The client's own
// refusals (Jaeger not answering, or answering outside its API) need no Jaeger
// either, and never show its path secret.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { Trace } from '@polyglot/contracts/traces';
import { AppError } from '@polyglot/platform/errors';
import { createJaegerClient, type JaegerTrace } from '../src/data-access/jaeger.client.ts';
import { getTrace } from '../src/domain/get-trace.use-case.ts';
import { normaliseTrace } from '../src/domain/normalise-trace.ts';

/** Nothing listens there (support.ts's DOWN_URL, without loading the services it boots). */
const DOWN_URL = 'http://127.0.0.1:1';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const recorded = JSON.parse(readFileSync(resolve(import.meta.dirname, 'fixtures', 'jaeger-trace.json'), 'utf8')) as { data: JaegerTrace[] };

const trace = normaliseTrace(TRACE_ID, recorded.data)!;
const byId = (id: string) => trace.spans.find((s) => s.spanId === id)!;

test('the recorded answer becomes the contract’s Trace: every span once, by start, with its service', () => {
  assert.ok(trace);
  assert.deepEqual(Trace.parse(trace), trace, 'it is what the route’s response schema accepts');
  assert.equal(trace.traceId, TRACE_ID);
  assert.equal(trace.spans.length, 12, 'the span exported twice is one span');
  assert.deepEqual(
    trace.spans.map((s) => [s.service, s.name]),
    [
      ['gateway', 'POST /graphql'],
      ['gateway', 'POST'],
      ['users', 'POST /users'],
      ['users', 'INSERT users'],
      ['debezium', 'users-db.public.users publish'],
      ['graph', 'users-db.public.users process'],
      ['graph', 'graph projection apply'],
      ['projectors', 'users-db.public.users process'],
      ['analytics', 'users-db.public.users process'],
      ['analytics', 'analytics projection apply'],
      ['posts', 'posts user cascade'],
      ['projectors', 'users-db.public.users process'],
    ],
  );
  assert.deepEqual(trace.services, ['gateway', 'users', 'debezium', 'graph', 'projectors', 'analytics', 'posts'], 'in the order the change reached them');
});

test('times: offsets from the first span’s start and durations in ms to the microsecond, start as ISO, the whole trace’s length', () => {
  const root = trace.spans[0]!;
  assert.equal(root.startOffsetMs, 0);
  assert.equal(root.durationMs, 131.904);
  assert.equal(root.startedAt, '2025-12-08T01:00:00.123Z');
  const insert = byId('2ad1b3c6a48e9f07');
  assert.equal(insert.startOffsetMs, 34.87);
  assert.equal(insert.durationMs, 3.204);
  assert.equal(insert.startedAt, '2025-12-08T01:00:00.158Z');
  // The last to end is the cache projection's retry: 151.2 + 4.38 ms after the request began.
  assert.equal(trace.durationMs, 155.58);
});

test('parents: the first CHILD_OF; a link (FOLLOWS_FROM) into the same trace when there is none; a parent the trace lacks is kept', () => {
  assert.equal(byId('00f067aa0ba902b7').parentSpanId, null, 'the root');
  assert.equal(byId('53995c3f42cd8ad8').parentSpanId, '00f067aa0ba902b7');
  assert.equal(byId('e457b5a2e4d86bd1').parentSpanId, '53995c3f42cd8ad8', 'across processes: the users service’s server span under the gateway’s client span');
  assert.equal(byId('c1e7a0d2b9f84e13').parentSpanId, '5fb397be34d26b51', 'linked to the publish, so shown under it');
  assert.equal(byId('7f3b9d1e6c2a8045').parentSpanId, 'aaaaaaaaaaaaaaaa', 'a parent that was never exported stays named');
});

test('kind from span.kind (null without it), status from otel.status_code and error, the other tags as typed attributes', () => {
  assert.equal(byId('00f067aa0ba902b7').kind, 'server');
  assert.equal(byId('53995c3f42cd8ad8').kind, 'client');
  assert.equal(byId('5fb397be34d26b51').kind, 'producer');
  assert.equal(byId('b7ad6b7169203331').kind, 'consumer');
  assert.equal(byId('6e0c63257de34c92').kind, null, 'an internal span has no span.kind tag');

  const failed = byId('c1e7a0d2b9f84e13');
  assert.equal(failed.status, 'error');
  assert.equal(failed.attributes['otel.status_description'], 'Redis: read ECONNRESET');
  assert.equal(byId('00f067aa0ba902b7').status, 'ok', 'otel.status_code OK');
  assert.equal(byId('d4a9e2f0c3b7a615').status, 'ok', 'no status at all');

  const apply = byId('3c8e1b7f0a9d2e54');
  assert.deepEqual(
    { rows: apply.attributes['rows.inserted'], fill: apply.attributes['batch.fill'], duplicate: apply.attributes.duplicate, db: apply.attributes['db.system.name'] },
    { rows: 1, fill: 0.25, duplicate: false, db: 'postgresql' },
  );
  for (const span of trace.spans) {
    for (const folded of ['span.kind', 'otel.status_code', 'error', 'internal.span.format']) assert.ok(!(folded in span.attributes), `${span.name}: ${folded} is a field, not an attribute`);
  }
  assert.equal(byId('00f067aa0ba902b7').attributes['http.response.status_code'], 200);
});

test('a parent before its children when they start in the same microsecond; ids compared at full width', () => {
  const base = { traceID: '00000000000000003ce929d0e0e4736a', operationName: 'x', duration: 10, processID: 'p1', tags: [] };
  const part: JaegerTrace = {
    // Jaeger prints a trace id whose high half is zero in 16 characters.
    traceID: '3ce929d0e0e4736a',
    processes: { p1: { serviceName: 'gateway' } },
    spans: [
      { ...base, traceID: '3ce929d0e0e4736a', spanID: 'bbbbbbbbbbbbbbbb', startTime: 1000, references: [{ refType: 'CHILD_OF', traceID: '3ce929d0e0e4736a', spanID: 'eeeeeeeeeeeeeeee' }] },
      { ...base, spanID: 'eeeeeeeeeeeeeeee', startTime: 1000, references: null },
      // Another trace's span in the answer: not this trace's.
      { ...base, traceID: 'ffffffffffffffffffffffffffffffff', spanID: 'cccccccccccccccc', startTime: 900 },
    ],
  };
  const t = normaliseTrace('00000000000000003ce929d0e0e4736a', [part])!;
  assert.deepEqual(t.spans.map((s) => [s.spanId, s.parentSpanId]), [['eeeeeeeeeeeeeeee', null], ['bbbbbbbbbbbbbbbb', 'eeeeeeeeeeeeeeee']]);
  assert.equal(t.durationMs, 0.01);
});

test('no span: no trace; the use case answers TRACE_NOT_FOUND, saying to try again', async () => {
  assert.equal(normaliseTrace(TRACE_ID, []), null);
  assert.equal(normaliseTrace(TRACE_ID, [{ traceID: TRACE_ID, spans: [], processes: {} }]), null);
  await assert.rejects(
    getTrace({ jaeger: { baseUrl: 'test', trace: async () => [] } }, TRACE_ID),
    (e: AppError) => e.code === 'TRACE_NOT_FOUND' && e.status === 404 && /not be exported yet/.test(e.message) && /try again in a second/.test(e.message),
  );
});

test('Jaeger not answering: TRACING_UNAVAILABLE naming it and ./stackctl status jaeger, within the short deadline', async () => {
  const started = Date.now();
  await assert.rejects(
    createJaegerClient(DOWN_URL).trace(TRACE_ID),
    (e: AppError) => e.code === 'TRACING_UNAVAILABLE' && e.status === 503 && e.message.includes(DOWN_URL) && e.message.includes('./stackctl status jaeger'),
  );
  assert.ok(Date.now() - started < 2500);
});

test("Jaeger's path secret (in JAEGER_QUERY_URL) never reaches an answer: its errors name the origin only", async () => {
  const secret = '0123456789abcdef0123456789abcdef';
  await assert.rejects(createJaegerClient(`${DOWN_URL}/${secret}`).trace(TRACE_ID), (e: AppError) => {
    assert.equal(e.code, 'TRACING_UNAVAILABLE');
    assert.ok(e.message.includes(DOWN_URL), e.message);
    assert.ok(!e.message.includes(secret), `the message holds the path secret: ${e.message}`);
    return true;
  });
});

test("a wrong path secret: Jaeger's query port answers its page (200, not JSON), which is TRACING_UNAVAILABLE saying so; its API's 404 is no trace", async () => {
  // What the query port answers: under the base path, its API (JSON); anywhere else, the index page with 200.
  const secret = 'fedcba9876543210fedcba9876543210';
  const server = createServer((request, response) => {
    if (request.url === `/${secret}/api/traces/${TRACE_ID}`) {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":404,"msg":"trace not found"}]}');
    } else {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><p>Nothing here.</p>');
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    assert.deepEqual(await createJaegerClient(`${base}/${secret}`).trace(TRACE_ID), []);
    await assert.rejects(
      createJaegerClient(`${base}/not-the-secret`).trace(TRACE_ID),
      (e: AppError) => e.code === 'TRACING_UNAVAILABLE' && /JAEGER_QUERY_URL's path/.test(e.message) && !e.message.includes('not-the-secret'),
    );
  } finally {
    server.close();
  }
});
