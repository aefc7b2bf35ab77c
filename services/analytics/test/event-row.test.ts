// The pure mapping of the analytics projection, on recorded Debezium and outbox messages.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EVENT_TYPES, normalizeMessage, UnparseableMessageError, type ChangeEvent } from '@polyglot/contracts/events';
import { eventToRow } from '../src/domain/event-row.ts';
import { debezium, fixture, outbox, type RecordedMessage } from '@polyglot/contracts/test-fixtures/recorded-messages';

function normalize(message: RecordedMessage): ChangeEvent {
  const event = normalizeMessage(message.topic, message.value);
  assert.ok(event, `${message.topic} ${message.value?.slice(0, 40)} normalises to an event`);
  return event;
}

describe('eventToRow on recorded Debezium messages', () => {
  const expected = [
    ['created', 'USER_CREATED', 'c', 'Ada Fixture'],
    ['updated', 'USER_UPDATED', 'u', 'Ada Lovelace'],
    ['deleted', 'USER_DELETED', 'd', 'Ada Lovelace'],
  ] as const;
  for (const [name, type, op, userName] of expected) {
    test(`${name} → one ${type} row keyed by the LSN, timed by the source commit`, () => {
      const message = fixture(debezium, name);
      const wire = JSON.parse(message.value ?? '') as { source: { lsn: number; ts_ms: number } };
      const row = eventToRow(normalize(message));
      assert.equal(row.eventType, type);
      assert.equal(row.time.getTime(), wire.source.ts_ms);
      assert.equal(row.userId, 35);
      assert.equal(row.eventId, `users:${wire.source.lsn}:${op}:35`);
      assert.equal(row.source, 'users');
      assert.equal(row.entityId, '35');
      assert.equal(row.position, wire.source.lsn);
      assert.equal(row.properties.name, userName);
      assert.equal(row.properties.entityId, '35');
      assert.equal(row.properties.position, wire.source.lsn);
      assert.equal(row.properties.created_at, '2026-11-27T10:59:15.565Z');
      assert.ok(!('hashed_password' in row.properties));
    });
  }

  test('the tombstone after a delete is nothing to record', () => {
    const message = fixture(debezium, 'tombstone');
    assert.equal(normalizeMessage(message.topic, message.value), null);
  });

  test('epoch-millisecond timestamps give the same row as ISO strings', () => {
    const iso = eventToRow(normalize(fixture(debezium, 'created')));
    const epoch = eventToRow(normalize(fixture(debezium, 'createdEpochMs')));
    assert.deepEqual(epoch, iso);
  });
});

describe('eventToRow on recorded outbox messages', () => {
  for (const [name, message] of Object.entries(outbox)) {
    if (name === 'garbage' || name === 'wrongShape') continue;
    test(`${name} → one row with the event's own id, time and actor`, () => {
      const wire = JSON.parse(message.value ?? '') as { eventId: string; type: string; aggregateId: string; position: number; occurredAt: string; actorId: number | null; data: Record<string, unknown> };
      const row = eventToRow(normalize(message));
      assert.deepEqual(row, {
        time: new Date(wire.occurredAt),
        userId: wire.actorId,
        eventType: wire.type,
        properties: { ...wire.data, entityId: wire.aggregateId, position: wire.position },
        eventId: wire.eventId,
        source: message.topic === 'posts.events' ? 'posts' : 'graph',
        entityId: wire.aggregateId,
        position: wire.position,
      });
    });
  }

  test('garbage and wrongly shaped messages do not parse (the loop dead-letters them)', () => {
    for (const name of ['garbage', 'wrongShape']) {
      const message = fixture(outbox, name);
      assert.throws(() => normalizeMessage(message.topic, message.value), UnparseableMessageError);
    }
  });
});

describe('eventToRow in general', () => {
  test('a replayed message maps to the very same row, so (event_id, time) collides', () => {
    for (const message of [...Object.values(debezium), ...Object.values(outbox)]) {
      let first: ChangeEvent | null;
      try {
        first = normalizeMessage(message.topic, message.value);
      } catch {
        continue;
      }
      if (!first) continue;
      assert.deepEqual(eventToRow(normalize(message)), eventToRow(first));
    }
  });

  test('the fixtures cover every event type', () => {
    const types = new Set<string>();
    for (const message of [...Object.values(debezium), ...Object.values(outbox)]) {
      try {
        const event = normalizeMessage(message.topic, message.value);
        if (event) types.add(event.type);
      } catch {
        // garbage fixtures
      }
    }
    assert.deepEqual([...types].sort(), [...EVENT_TYPES].sort());
  });
});
