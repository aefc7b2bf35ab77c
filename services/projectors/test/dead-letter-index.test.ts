// The in-memory dead-letter index: newest first, bounded, deduplicated; what
// became of replays; and the choice of what a replay publishes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppError } from '@polyglot/platform/errors';
import { REPLAY_HEADERS, type DeadLetter, type DeadLetterReplayRecord } from '@polyglot/platform/kafka';
import { DeadLetterIndex } from '../src/domain/dead-letter-index.ts';
import type { ReplayMessage } from '../src/data-access/replay.publisher.ts';
import { replayDeadLetters } from '../src/domain/replay-dead-letters.use-case.ts';
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

test('parses what the consumers publish and refuses anything else', () => {
  assert.deepEqual(parseDeadLetter(JSON.stringify(letter(1))), letter(1));
  assert.throws(() => parseDeadLetter('not json'));
  assert.throws(() => parseDeadLetter('{"group":"x"}'));
  assert.throws(() => parseDeadLetter(null));
});

test('a letter whose replay was applied leaves the list for good, whichever topic is read first', () => {
  const index = new DeadLetterIndex();
  index.add('0:1', letter(1));
  index.add('0:2', letter(2));
  index.mark({ id: '0:1', state: 'replayed', at: '2026-11-27T12:01:00.000Z' });
  assert.equal(index.get('0:1')?.replayedAt, '2026-11-27T12:01:00.000Z');
  index.mark({ id: '0:1', state: 'applied', at: '2026-11-27T12:01:01.000Z' });
  assert.deepEqual(index.newest(10).map((l) => l.id), ['0:2']);
  assert.equal(index.add('0:1', letter(1)), false, 'read again after a rebalance: still gone');
  // The replays topic may be read before the letter it names.
  index.mark({ id: '0:3', state: 'replayed', at: '2026-11-27T12:02:00.000Z' });
  index.mark({ id: '0:4', state: 'applied', at: '2026-11-27T12:02:00.000Z' });
  index.add('0:3', letter(3));
  assert.equal(index.add('0:4', letter(4)), false);
  assert.deepEqual(index.newest(10).map((l) => [l.id, l.replayedAt]), [['0:3', '2026-11-27T12:02:00.000Z'], ['0:2', null]]);
});

test('the letter of a replay that failed again takes the place of the one replayed', () => {
  const index = new DeadLetterIndex();
  index.add('0:1', letter(1));
  index.mark({ id: '0:1', state: 'replayed', at: '2026-11-27T12:01:00.000Z' });
  index.add('2:9', { ...letter(5), replayOf: '0:1' });
  assert.deepEqual(index.newest(10).map((l) => [l.id, l.replayedAt, l.replayOf]), [['2:9', null, '0:1']]);
  assert.deepEqual(index.oldestFirst().map((l) => l.id), ['2:9']);
});

test('replaying all: oldest first, a replay under way is not published again, a cut value is refused', async () => {
  const index = new DeadLetterIndex();
  index.add('0:1', letter(1));
  index.add('0:2', { ...letter(2), valueTruncated: true });
  index.add('0:3', { ...letter(3), headers: { traceparent: 't' } });
  index.add('1:4', { ...letter(4), group: 'graph-relay', topic: 'graph.events', partition: -1, offset: '-1', stage: 'produce' });
  index.mark({ id: '0:1', state: 'replayed', at: '2026-11-27T12:01:00.000Z' });
  const sent: Array<{ message: ReplayMessage; record: DeadLetterReplayRecord }> = [];
  const publisher = { publish: async (message: ReplayMessage, record: DeadLetterReplayRecord) => void sent.push({ message, record }) };
  const result = await replayDeadLetters(index, publisher, { all: true });
  assert.deepEqual(result.replayed, ['0:3', '1:4']);
  assert.deepEqual(result.pending, ['0:1']);
  assert.deepEqual(result.refused.map((r) => r.id), ['0:2']);
  // A consumer's letter goes back to its partition, for its group; a relay's to every group, done once produced.
  assert.deepEqual(sent[0]?.message, { topic: 'posts.events', partition: 0, key: null, value: 'garbage 3', headers: { traceparent: 't', [REPLAY_HEADERS.id]: '0:3', [REPLAY_HEADERS.group]: 'projector-cache' } });
  assert.equal(sent[0]?.record.state, 'replayed');
  assert.deepEqual(sent[1]?.message, { topic: 'graph.events', key: null, value: 'garbage 4', headers: {} });
  assert.equal(sent[1]?.record.state, 'applied');
  assert.equal(index.get('0:3')?.replayedAt, sent[0]?.record.at);
  assert.equal(index.get('1:4'), undefined, 'a relay letter is done once it is in its topic');
  // Again: nothing new is published.
  const again = await replayDeadLetters(index, publisher, { all: true });
  assert.deepEqual(again.replayed, []);
  assert.deepEqual(again.pending, ['0:1', '0:3']);
  assert.equal(sent.length, 2);
  await assert.rejects(replayDeadLetters(index, publisher, { id: '0:2' }), (e: AppError) => e.code === 'DEAD_LETTER_NOT_REPLAYABLE');
  await assert.rejects(replayDeadLetters(index, publisher, { id: '9:9' }), (e: AppError) => e.code === 'DEAD_LETTER_NOT_FOUND');
});
