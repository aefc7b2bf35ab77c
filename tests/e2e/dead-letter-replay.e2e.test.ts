// A dead letter replayed on the running system: a user's rename that the cache
// projection could not apply (its tombstone key held the wrong type, a fault
// planted here: Redis answers WRONGTYPE, which no retry fixes) is dead-lettered
// by that projection alone, while the graph and analytics apply it. Once the
// cause is gone, `./stackctl dead-letters replay ID` publishes it again for the
// cache projection only: the cache shows the new name, analytics still holds
// the rename once, and the letter leaves the list. Replaying it again finds
// nothing to do.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { userKey, userTombstoneKey } from '@polyglot/contracts/cache-keys';
import { urls } from '@polyglot/contracts/endpoints';
import { consumerGroups, topics } from '@polyglot/contracts/topics';
import { waitFor } from '@polyglot/platform/wait-for';
import { runCli } from '@polyglot/stack/test-fixtures/run-cli';
import { api, createUser, eventCount, openStores, type Stores } from './support.ts';

interface Letter {
  id: string;
  group: string;
  topic: string;
  value: string | null;
  replayedAt: string | null;
}

let stores: Stores;
let state: Redis;
let userId: number | undefined;
const planted: string[] = [];

before(() => {
  stores = openStores();
  state = new Redis(urls.redisState, { maxRetriesPerRequest: 1 });
});

after(async () => {
  if (planted.length > 0) await state.del(...planted);
  if (userId !== undefined) await api('DELETE', `/users/${userId}`);
  state.disconnect();
  await stores.close();
});

const lettersAbout = async (marker: string): Promise<Letter[]> =>
  ((await api<Letter[]>('GET', '/pipeline/dead-letters?limit=1000')).body ?? []).filter((l) => l.topic === topics.userChanges && (l.value ?? '').includes(marker));

test('a dead letter is replayed for the projection that failed it, applied once, and leaves the list', async () => {
  const user = await createUser('replayed');
  userId = user.id;
  await waitFor('the user in the cache', async () => (await stores.redis.get(userKey(user.id))) !== null, { timeoutMs: 30_000 });

  // The fault: a tombstone key of the wrong type. The cache projection reads it before each put.
  const tombstone = userTombstoneKey(user.id);
  planted.push(tombstone);
  await state.hset(tombstone, 'planted', 'by the replay test');
  const renamed = `Replayed ${user.id}`;
  assert.equal((await api('PUT', `/users/${user.id}`, { email: user.email, name: renamed })).status, 200);

  const [letter] = await waitFor('the rename in the dead letters (cache projection only)', async () => {
    const found = await lettersAbout(renamed);
    return found.length > 0 ? found : undefined;
  }, { timeoutMs: 60_000 });
  assert.ok(letter);
  assert.equal(letter.group, consumerGroups.cacheProjector);
  assert.deepEqual((await lettersAbout(renamed)).map((l) => l.group), [consumerGroups.cacheProjector], 'the other projections applied it');
  await waitFor('the rename in analytics', async () => (await eventCount(stores.timescale, 'USER_UPDATED', user.id)) === 1, { timeoutMs: 30_000 });
  assert.notEqual(JSON.parse((await stores.redis.get(userKey(user.id))) ?? '{}').name, renamed, 'the cache still has the old name');

  // The cause is gone; the replay goes through the CLI, as a person would run it.
  await state.del(tombstone);
  const replayed = await runCli(['dead-letters', 'replay', letter.id]);
  assert.equal(replayed.code, 0, replayed.stderr);
  assert.match(replayed.stdout, new RegExp(`Replayed 1: ${letter.id}`));

  await waitFor('the new name in the cache', async () => JSON.parse((await stores.redis.get(userKey(user.id))) ?? '{}').name === renamed, { timeoutMs: 30_000 });
  await waitFor('the letter to leave the list', async () => (await lettersAbout(renamed)).length === 0, { timeoutMs: 30_000 });
  assert.equal(await eventCount(stores.timescale, 'USER_UPDATED', user.id), 1, 'analytics holds the rename once: the replay was for the cache projection');

  // Replayed and applied: there is nothing left to replay.
  const again = await api('POST', '/pipeline/dead-letters/replay', { id: letter.id });
  assert.equal(again.status, 404);
  assert.equal(again.body.code, 'DEAD_LETTER_NOT_FOUND');
  const listed = await runCli(['dead-letters', '--json']);
  assert.ok(!(JSON.parse(listed.stdout) as Letter[]).some((l) => l.id === letter.id));
});

test('a replay names one dead letter or all of them', async () => {
  for (const body of [{}, { id: 'not-an-id' }, { all: false }]) {
    const answer = await api('POST', '/pipeline/dead-letters/replay', body);
    assert.equal(answer.status, 400, JSON.stringify(body));
    assert.equal(answer.body.code, 'VALIDATION_FAILED');
  }
  const unknown = await api('POST', '/pipeline/dead-letters/replay', { id: '0:999999999999' });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.code, 'DEAD_LETTER_NOT_FOUND');
  const cli = await runCli(['dead-letters', 'replay', 'nonsense']);
  assert.equal(cli.code, 2);
});
