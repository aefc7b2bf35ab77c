// W3C Trace Context: the traceresponse header the gateway answers with, as the
// UI reads it to link a write to its trace (only a sampled one: flags 01).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTraceContext, sampledTraceId, TRACE_ID } from '../src/trace-context.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

test('a traceresponse gives its trace id, span id and whether it was sampled', () => {
  assert.deepEqual(parseTraceContext(`00-${TRACE}-${SPAN}-01`), { traceId: TRACE, spanId: SPAN, sampled: true });
  assert.deepEqual(parseTraceContext(`00-${TRACE}-${SPAN}-00`), { traceId: TRACE, spanId: SPAN, sampled: false });
  // Only the sampled bit counts; other flags (Level 2's random-trace-id, 02) do not make a trace recorded.
  assert.equal(parseTraceContext(`00-${TRACE}-${SPAN}-03`)?.sampled, true);
  assert.equal(parseTraceContext(`00-${TRACE}-${SPAN}-02`)?.sampled, false);
  assert.equal(parseTraceContext(` 00-${TRACE}-${SPAN}-01 `)?.traceId, TRACE, 'surrounding spaces are not part of it');
});

test('only a sampled trace id is taken: an unsampled trace never reaches Jaeger', () => {
  assert.equal(sampledTraceId(`00-${TRACE}-${SPAN}-01`), TRACE);
  assert.equal(sampledTraceId(`00-${TRACE}-${SPAN}-00`), null);
  assert.equal(sampledTraceId(null), null);
  assert.equal(sampledTraceId(undefined), null);
});

test('a malformed value is no trace, never a guess', () => {
  for (const bad of [
    '',
    'garbage',
    `00-${TRACE.toUpperCase()}-${SPAN}-01`, // uppercase is invalid
    `00-${'0'.repeat(32)}-${SPAN}-01`, // all-zero trace id
    `00-${TRACE}-${'0'.repeat(16)}-01`, // all-zero span id
    `ff-${TRACE}-${SPAN}-01`, // version ff
    `00-${TRACE}-${SPAN}-01-extra`, // version 00 has four fields exactly
    `00-${TRACE.slice(1)}-${SPAN}-01`,
    `00-${TRACE}-${SPAN}-1`,
  ]) {
    assert.equal(parseTraceContext(bad), null, bad);
  }
  // A later version may carry more fields: the first four are read.
  assert.equal(parseTraceContext(`01-${TRACE}-${SPAN}-01-more`)?.traceId, TRACE);
});

test('TRACE_ID: 32 lowercase hex, not all zero', () => {
  assert.ok(TRACE_ID.test(TRACE));
  assert.ok(!TRACE_ID.test('0'.repeat(32)));
  assert.ok(!TRACE_ID.test(TRACE.toUpperCase()));
  assert.ok(!TRACE_ID.test(`${TRACE}0`));
});
