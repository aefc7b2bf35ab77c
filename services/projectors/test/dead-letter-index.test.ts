// The in-memory dead-letter index: newest first, bounded, deduplicated.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeadLetter } from '@polyglot/platform/kafka';
import { DeadLetterIndex } from '../src/domain/dead-letter-index.ts';
import { parseDeadLetter } from '../src/entry-points/dead-letter-index.consumer.ts';

const letter = (n: number): DeadLetter => ({
  group: 'projector-cache',
  topic: 'posts.events',
  partition: 0,
  offset: String(n),
  key: null,
  value: `garbage ${n}`,
  error: 'message on posts.events does not parse',
  attempts: 1,
  failedAt: new Date(Date.UTC(2026, 10, 27, 12, 0, n)).toISOString(),
});

test('lists newest first whatever the arrival order, and drops the oldest beyond capacity', () => {
  const index = new DeadLetterIndex(3);
  for (const n of [2, 0, 4, 1, 3]) index.add(`0:${n}`, letter(n));
  assert.equal(index.size, 3);
  assert.deepEqual(index.newest(10).map((l) => l.offset), ['4', '3', '2']);
  assert.deepEqual(index.newest(2).map((l) => l.offset), ['4', '3']);
  assert.equal(index.add('0:0', letter(0)), false, 'older than everything kept');
});

test('a record delivered twice (a rebalance re-reads from the start) is kept once', () => {
  const index = new DeadLetterIndex();
  assert.equal(index.add('1:7', letter(7)), true);
  assert.equal(index.add('1:7', letter(7)), false);
  assert.equal(index.size, 1);
});

test('parses what ConsumerLoop publishes and refuses anything else', () => {
  assert.deepEqual(parseDeadLetter(JSON.stringify(letter(1))), letter(1));
  assert.throws(() => parseDeadLetter('not json'));
  assert.throws(() => parseDeadLetter('{"group":"x"}'));
  assert.throws(() => parseDeadLetter(null));
});
