// The recorder of histories (src/history-recorder.ts): the lines it writes are
// the format of docs/history-checker.md, in order, with one clock; it holds a
// create's invoke until the answer names the entity; and it refuses what the
// checker would call malformed, at the call.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HistoryLine } from '@polyglot/contracts/history';
import { HistoryRecorder, type Client } from '../src/history-recorder.ts';

/** A clock that moves only when told: each tick is 1 ms. */
function recorder() {
  const lines: HistoryLine[] = [];
  let ns = 5_000_000_000n;
  const tick = () => (ns += 1_000_000n);
  return { lines, tick, history: new HistoryRecorder((line) => lines.push(structuredClone(line)), () => ns) };
}

const alice: Client = { process: 0, session: 'client-0', mode: 'strong' };
const bob: Client = { process: 1, session: 'client-1', mode: 'eventual' };
const POST = 'posts:65a1f0c2e4b0a1b2c3d4e5f6';

test('a write and a read: invoke and completion lines with the Jepsen fields and ours, in order, one clock', () => {
  const { lines, tick, history } = recorder();
  const write = history.write(alice, 'users:42', false);
  tick();
  const read = history.read(bob, 'users:42', 'users:42:100');
  tick();
  write.ok('users:42:100');
  tick();
  read.ok({ postgres: { position: 130, deleted: false }, redis: { position: null, deleted: false } });
  assert.deepEqual(
    lines.map((l) => JSON.stringify(l)),
    [
      '{"index":0,"type":"invoke","process":0,"time":0,"f":"write","session":"client-0","entity":"users:42","mode":"strong","value":{"deleted":false}}',
      '{"index":1,"type":"invoke","process":1,"time":1000000,"f":"read","session":"client-1","entity":"users:42","mode":"eventual","value":null,"token":"users:42:100"}',
      '{"index":2,"type":"ok","process":0,"time":2000000,"f":"write","session":"client-0","entity":"users:42","mode":"strong","value":{"position":100,"deleted":false},"token":"users:42:100"}',
      '{"index":3,"type":"ok","process":1,"time":3000000,"f":"read","session":"client-1","entity":"users:42","mode":"eventual","value":{"observed":{"postgres":{"position":130,"deleted":false},"redis":{"position":null,"deleted":false}}},"token":"users:42:100"}',
    ],
  );
  assert.equal(history.operations, 2);
  assert.deepEqual(history.writtenEntities, ['users:42']);
});

test("a create's invoke waits for the entity its answer names, keeping the time it began", () => {
  const { lines, tick, history } = recorder();
  const create = history.write(alice, null, false);
  tick();
  const other = history.write(bob, 'graph:1:2', false);
  tick();
  other.ok('graph:1:77');
  tick();
  create.ok(`posts:65a1f0c2e4b0a1b2c3d4e5f6:1`);
  assert.deepEqual(
    lines.map((l) => [l.index, l.type, l.entity, l.time]),
    [
      [0, 'invoke', 'graph:1:2', 1_000_000],
      [1, 'ok', 'graph:1:2', 2_000_000],
      [2, 'invoke', POST, 0],
      [3, 'ok', POST, 3_000_000],
    ],
  );
  assert.deepEqual(lines[3]!.value, { position: 1, deleted: false });
  assert.deepEqual(history.writtenEntities.sort(), ['graph:1:2', POST]);
});

test('a create that failed or never answered with its entity leaves no line; its process is free again', () => {
  const { lines, history } = recorder();
  history.write(alice, null, false).fail('VALIDATION_FAILED');
  history.write(alice, null, false).info({ error: 'no answer' });
  assert.equal(lines.length, 0);
  assert.equal(history.operations, 0);
  history.write(alice, 'users:7', false).fail('USER_NOT_FOUND');
  assert.deepEqual(lines.map((l) => [l.type, l.value, 'error' in l ? l.error : undefined]), [['invoke', { deleted: false }, undefined], ['fail', null, 'USER_NOT_FOUND']]);
});

test('a 504 is info with its token and position; a lost answer is info with null', () => {
  const { lines, history } = recorder();
  history.write(alice, 'users:9', true).info({ token: 'users:9:500', error: 'CONSISTENCY_TIMEOUT' });
  history.write(alice, 'users:9', false).info({ error: 'no answer' });
  const completions = lines.filter((l) => l.type !== 'invoke');
  assert.deepEqual(completions[0], { index: 1, type: 'info', process: 0, time: 0, f: 'write', session: 'client-0', entity: 'users:9', mode: 'strong', value: { position: 500, deleted: true }, token: 'users:9:500', error: 'CONSISTENCY_TIMEOUT' });
  assert.deepEqual([completions[1]!.type, completions[1]!.value, 'token' in completions[1]!], ['info', null, false]);
});

test('a read that saw no store is a fail; a follow create names its pair; the final section closes the history', () => {
  const { lines, history } = recorder();
  history.write(alice, null, false).ok('graph:3:12', 'graph:3:4');
  history.read(bob, 'graph:3:4').ok({});
  history.final('graph:3:4', { neo4j: { position: 12, deleted: false }, timescaledb: { position: 12, deleted: false } });
  assert.deepEqual(lines.map((l) => `${l.type} ${l.f}`), ['invoke write', 'ok write', 'invoke read', 'fail read', 'ok final']);
  assert.equal((lines[3] as { error?: string }).error, 'NOTHING_OBSERVED');
  assert.deepEqual(Object.keys(lines[4]!), ['index', 'type', 'f', 'time', 'entity', 'value']);
  assert.throws(() => history.read(alice, 'graph:3:4'), /after the final section/);
  assert.throws(() => history.final('graph:3:4', { neo4j: { position: 12, deleted: false } }), /second final line/);
});

test('what the checker would call malformed is refused at the call', () => {
  const { history } = recorder();
  const open = history.write(alice, 'users:1', false);
  assert.throws(() => history.read(alice, 'users:1'), /another of its own is open/);
  assert.throws(() => open.ok('users:2:10'), /not of users:1/);
  open.ok('users:1:10');
  assert.throws(() => open.ok('users:1:11'), /completed twice/);
  assert.throws(() => history.read(alice, 'users:1', 'posts:65a1f0c2e4b0a1b2c3d4e5f6:1'), /of another entity/);
  assert.throws(() => history.write(alice, 'users:x' as never, false), /is not users:ID/);
  const create = history.write(alice, null, false);
  assert.throws(() => create.ok('graph:3:12'), /names no entity/);
  create.fail();
  const pending = history.read(bob, 'users:1');
  assert.throws(() => history.final('users:1', { postgres: { position: 10, deleted: false } }), /still have an operation open/);
  pending.info('no answer');
  assert.throws(() => history.final('users:1', {}), /observes no store/);
});
