// A replayed dead letter goes back to its own topic marked for the group that
// failed it: other groups move past it untouched, that group applies it and
// records the replay as applied (pipeline.dead-letter-replays), and a replay
// that fails again becomes a new dead letter naming the one it replaces.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { pino } from 'pino';
import { SupervisedConsumer } from '../src/consumer.ts';
import { createProducer, ensureTopics, PermanentError, REPLAY_HEADERS, type InboundMessage } from '../src/kafka.ts';
import { waitFor } from '../src/wait-for.ts';
import { deleteTestGroups } from '../test-fixtures/consumer-group.ts';
import { watchDeadLetters } from '../test-fixtures/dead-letters.ts';

const logger = pino({ level: 'silent' });

test('a replay is applied by the group that failed it, recorded as applied, and skipped by every other group', async () => {
  const topic = `platform-replay-${randomUUID().slice(0, 8)}`;
  await ensureTopics([topic], 1);
  const failed = `platform-replay-failed-${randomUUID().slice(0, 8)}`;
  const other = `platform-replay-other-${randomUUID().slice(0, 8)}`;
  const seen: Record<string, string[]> = { [failed]: [], [other]: [] };
  const loopOf = (groupId: string) =>
    new SupervisedConsumer({
      groupId,
      topics: [topic],
      logger,
      maxBackoffMs: 10,
      handle: async (message: InboundMessage) => {
        if (message.value === 'still wrong') throw new PermanentError('still cannot parse');
        seen[groupId]!.push(`${message.value}|${message.headers.traceparent ?? ''}`);
      },
    });
  const loops = [loopOf(failed), loopOf(other)];
  const outcomes = await watchDeadLetters();
  const producer = createProducer('platform-replay-test');
  const replay = (id: string, value: string) => ({
    topic,
    key: 'k',
    value,
    headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', [REPLAY_HEADERS.id]: id, [REPLAY_HEADERS.group]: failed },
  });
  try {
    for (const loop of loops) await loop.start();
    await producer.send({ messages: [replay('7:100', 'fixed now'), replay('7:101', 'still wrong'), { topic, key: 'k', value: 'ordinary' }] });
    await waitFor('both groups past the three messages', async () => (await Promise.all(loops.map((l) => l.status()))).every((s) => s.lag === 0 && s.processed >= 1), { timeoutMs: 20_000 });
    await waitFor('the ordinary message in both groups', () => seen[failed]!.some((v) => v.startsWith('ordinary')) && seen[other]!.some((v) => v.startsWith('ordinary')), { timeoutMs: 20_000 });

    assert.deepEqual(seen[failed], ['fixed now|00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'ordinary|']);
    assert.deepEqual(seen[other], ['ordinary|'], 'another group moves past a replay without applying it');

    await waitFor('the applied record', () => outcomes.replays.some((r) => r.id === '7:100'), { timeoutMs: 15_000 });
    assert.deepEqual(
      outcomes.replays.filter((r) => r.id.startsWith('7:')).map(({ id, state, group }) => ({ id, state, group })),
      [{ id: '7:100', state: 'applied', group: failed }],
    );

    const watched = await waitFor('the failed replay’s new dead letter', () => outcomes.letters.find((l) => l.letter.topic === topic), { timeoutMs: 15_000 });
    const again = watched.letter;
    assert.equal(again.group, failed);
    assert.equal(again.value, 'still wrong');
    assert.equal(again.replayOf, '7:101', 'the new letter names the one it replaces');
    assert.deepEqual(again.headers, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }, 'the message’s own headers, without the replay marks');
    assert.equal((await loops[1]!.status()).deadLettered, 0);
  } finally {
    for (const loop of loops) await loop.stop();
    await producer.close();
    // The letter made on purpose leaves the running system's list.
    await outcomes.discard(outcomes.letters.filter((l) => l.letter.topic === topic).map((l) => l.id));
    await outcomes.close();
    await deleteTestGroups(failed, other).catch(() => undefined);
  }
});
