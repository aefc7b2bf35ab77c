// The change journal the reconciler's incremental check reads: which entity each
// recorded change names, and how the journal is written to the real state Redis
// (the newest position kept, the oldest trimmed past the limit, the trim marked).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { changeJournalKey, changeJournalOverflowKey, CHANGE_JOURNAL_LIMIT } from '@polyglot/contracts/cache-keys';
import { urls } from '@polyglot/contracts/endpoints';
import { normalizeMessage } from '@polyglot/contracts/events';
import { CacheRepository } from '../src/data-access/cache.repository.ts';
import type { JournalEntry } from '../src/data-access/cache-operations.ts';
import { journalEntryOf } from '../src/domain/change-journal.ts';
import { debezium, fixture, outbox } from '@polyglot/contracts/test-fixtures/recorded-messages';

describe('journalEntryOf on recorded messages', () => {
  test('a user change names the user, a post change the post and its author, a follow the pair; each at its source position', () => {
    const created = normalizeMessage(fixture(debezium, 'created').topic, fixture(debezium, 'created').value)!;
    assert.deepEqual(journalEntryOf(created), { kind: 'journal', key: changeJournalKey('users'), overflowKey: changeJournalOverflowKey('users'), member: '35', position: created.position, limit: CHANGE_JOURNAL_LIMIT });
    for (const name of ['postCreated', 'postDeleted', 'commentCreated']) {
      const message = fixture(outbox, name);
      const event = normalizeMessage(message.topic, message.value)!;
      const { data } = JSON.parse(message.value!) as { data: { author_id: number; post_author_id?: number } };
      assert.equal(journalEntryOf(event)?.member, `${event.entityId}:${data.post_author_id ?? data.author_id}`, name);
      assert.equal(journalEntryOf(event)?.key, changeJournalKey('posts'));
    }
    const follow = normalizeMessage(fixture(outbox, 'followCreated').topic, fixture(outbox, 'followCreated').value)!;
    const { followerId, followeeId } = follow.data as { followerId: number; followeeId: number };
    assert.equal(journalEntryOf(follow)?.member, `${followerId}:${followeeId}`);
    assert.equal(journalEntryOf(null), null);
  });
});

describe('the journal in the state Redis', () => {
  let redis: Redis;
  let state: Redis;
  const key = `test:journal:${randomUUID()}`;
  const overflow = `${key}:overflowed`;
  before(() => {
    redis = new Redis(urls.redis, { maxRetriesPerRequest: 1 });
    state = new Redis(urls.redisState, { maxRetriesPerRequest: 1 });
  });
  after(async () => {
    await state.del(key, overflow);
    redis.disconnect();
    state.disconnect();
  });

  const entry = (member: string, position: number): JournalEntry => ({ kind: 'journal', key, overflowKey: overflow, member, position, limit: 3 });

  test('keeps each entity once at its newest position; past the limit the oldest go and the overflow is marked', async () => {
    const cache = new CacheRepository(redis, state);
    await cache.applyMany([entry('1', 10), entry('2', 20), entry('1', 30), entry('1', 5)]);
    assert.deepEqual(await state.zrange(key, 0, -1, 'WITHSCORES'), ['2', '20', '1', '30'], 'a redelivered older change leaves the newer position');
    assert.equal(await state.exists(overflow), 0);
    await cache.applyMany([entry('3', 40), entry('4', 50)]);
    assert.deepEqual(await state.zrange(key, 0, -1), ['1', '3', '4'], 'the oldest position trimmed');
    assert.equal(await state.exists(overflow), 1);
  });
});
