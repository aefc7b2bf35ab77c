// The users row carries the trace context of the write that made it (the
// traceparent column, docs/tracing.md); a delete stamps the row with its own
// first, in the same transaction. Recorded from Debezium: the change events
// carry each write's own context, and the stamp is no change at all.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normalizeUserChange } from '../src/events.ts';
import { debezium, debeziumTraced, fixture } from '../test-fixtures/recorded-messages.ts';

const rowOf = (name: string, image: 'before' | 'after') => (JSON.parse(fixture(debeziumTraced, name).value!) as Record<string, { traceparent: string }>)[image]!;

describe('the trace context in the users change stream', () => {
  test('a create and an update carry the context of the write that made them', () => {
    const created = normalizeUserChange(fixture(debeziumTraced, 'created').value);
    const updated = normalizeUserChange(fixture(debeziumTraced, 'updated').value);
    assert.equal(created?.traceparent, rowOf('created', 'after').traceparent);
    assert.equal(updated?.traceparent, rowOf('updated', 'after').traceparent);
    assert.notEqual(updated?.traceparent, created?.traceparent);
  });

  test('the stamp a delete writes first is passed over; the delete carries the stamped context, not the last update’s', () => {
    assert.equal(normalizeUserChange(fixture(debeziumTraced, 'traceStamp').value), null);
    const deleted = normalizeUserChange(fixture(debeziumTraced, 'deleted').value);
    assert.equal(deleted?.type, 'USER_DELETED');
    assert.equal(deleted?.traceparent, rowOf('traceStamp', 'after').traceparent);
    assert.notEqual(deleted?.traceparent, rowOf('updated', 'after').traceparent);
  });

  test('the context never reaches the profile the projections keep', () => {
    for (const name of ['created', 'updated', 'deleted']) {
      const change = normalizeUserChange(fixture(debeziumTraced, name).value);
      assert.deepEqual(Object.keys(change!.data).sort(), ['created_at', 'email', 'id', 'name', 'updated_at']);
    }
  });

  test('rows written before the column existed, or outside a trace, still parse, without a context', () => {
    assert.equal(normalizeUserChange(fixture(debezium, 'created').value)?.traceparent, undefined);
    const untraced = JSON.parse(fixture(debeziumTraced, 'created').value!) as { after: Record<string, unknown> };
    untraced.after.traceparent = null;
    assert.equal(normalizeUserChange(JSON.stringify(untraced))?.traceparent, undefined);
  });

  test('an update of the context and of anything else is a real update', () => {
    const stamp = JSON.parse(fixture(debeziumTraced, 'traceStamp').value!) as { after: Record<string, unknown> };
    stamp.after.name = 'Someone Else';
    assert.equal(normalizeUserChange(JSON.stringify(stamp))?.type, 'USER_UPDATED');
  });
});
