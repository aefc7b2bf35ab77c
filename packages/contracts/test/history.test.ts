// The history format (src/history.ts) against the recorded histories the history checker is
// tested on: every line of every fixture has the shape the types say, so the recorders (written
// against the types) and the checker (which reads the fixtures) agree.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CONSISTENCY_MODES, parseToken } from '../src/consistency.ts';
import type { HistoryLine, HistoryStore } from '../src/history.ts';

const FIXTURES = new URL('../../../stack/provision/history-checker/testdata/', import.meta.url);
const STORES: readonly HistoryStore[] = ['postgres', 'ferretdb', 'mongodb', 'neo4j', 'redis', 'timescaledb'];
const ENTITY = /^(users:[0-9]{1,19}|posts:[0-9a-f]{24}|graph:[0-9]{1,19}:[0-9]{1,19})$/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** What is wrong with a line's shape, or null when it is a HistoryLine. */
function problem(line: unknown): string | null {
  if (!isObject(line)) return 'not an object';
  const { index, type, f, time, entity, value } = line;
  if (!isCount(index) || !isCount(time)) return 'index and time are whole numbers ≥ 0';
  if (typeof entity !== 'string' || !ENTITY.test(entity)) return `entity ${String(entity)}`;
  const allowed = new Set(['index', 'type', 'f', 'time', 'entity', 'value', 'process', 'session', 'mode', 'token', 'error']);
  const extra = Object.keys(line).filter((k) => !allowed.has(k));
  if (extra.length > 0) return `fields the types do not have: ${extra.join(', ')}`;
  const observedProblem = (v: unknown): string | null => {
    if (!isObject(v) || !isObject(v.observed) || Object.keys(v).length !== 1) return 'value is {observed}';
    for (const [store, o] of Object.entries(v.observed)) {
      if (!STORES.includes(store as HistoryStore)) return `store ${store}`;
      if (!isObject(o) || typeof o.deleted !== 'boolean' || !(o.position === null || isCount(o.position))) return `observed.${store} is {position, deleted}`;
      if (o.deleted && o.position === null) return `observed.${store}: a deletion has a position`;
    }
    return null;
  };
  if (f === 'final') {
    if (type !== 'ok' || 'process' in line || 'session' in line || 'mode' in line) return 'a final line is {index, type: ok, f: final, time, entity, value}';
    return observedProblem(value);
  }
  if (!isCount(line.process) || typeof line.session !== 'string' || !(CONSISTENCY_MODES as readonly unknown[]).includes(line.mode)) return 'process, session and mode';
  if (line.token !== undefined && (typeof line.token !== 'string' || parseToken(line.token) === null)) return `token ${String(line.token)}`;
  if (line.error !== undefined && (typeof line.error !== 'string' || type === 'invoke' || type === 'ok')) return 'error is a string on fail and info lines';
  const writeValue = (v: unknown) => isObject(v) && isCount(v.position) && typeof v.deleted === 'boolean' && Object.keys(v).length === 2;
  if (f === 'write') {
    if (type === 'invoke') return isObject(value) && typeof value.deleted === 'boolean' && Object.keys(value).length === 1 ? null : 'a write invoke value is {deleted}';
    if (type === 'ok') return writeValue(value) && typeof line.token === 'string' ? null : 'an ok write has {position, deleted} and its token';
    if (type === 'info') return value === null || (writeValue(value) && typeof line.token === 'string') ? null : 'an info write has {position, deleted} and its token, or null';
    if (type === 'fail') return value === null ? null : 'a failed write has value null';
    return `type ${String(type)}`;
  }
  if (f === 'read') {
    if (type === 'ok') return observedProblem(value);
    if (type === 'invoke' || type === 'fail' || type === 'info') return value === null ? null : 'value null';
    return `type ${String(type)}`;
  }
  return `f ${String(f)}`;
}

const fixtures = readdirSync(FIXTURES).filter((name) => name.endsWith('.jsonl') && name !== 'malformed.jsonl');

test('every line of the checker’s recorded histories has the shape of a HistoryLine', () => {
  assert.ok(fixtures.length >= 9, `fixtures in ${FIXTURES.pathname}`);
  const seen = new Set<string>();
  for (const name of fixtures) {
    const lines = readFileSync(new URL(name, FIXTURES), 'utf8').split('\n').filter((l) => l !== '');
    lines.forEach((text, i) => {
      const line = JSON.parse(text) as unknown;
      const wrong = problem(line);
      assert.equal(wrong, null, `${name}:${i + 1}: ${wrong}`);
      const typed = line as HistoryLine;
      seen.add(`${typed.f} ${typed.type}`);
    });
  }
  // The fixtures hold every kind of line the format has.
  assert.deepEqual([...seen].sort(), ['final ok', 'read fail', 'read invoke', 'read ok', 'write fail', 'write info', 'write invoke', 'write ok']);
});

test('the hand check refuses what the types refuse', () => {
  const read = { index: 0, process: 0, time: 5, session: 's', entity: 'users:42', mode: 'strong', type: 'ok', f: 'read', value: { observed: { redis: { position: 3, deleted: false } } } };
  assert.equal(problem(read), null);
  assert.match(problem({ ...read, entity: 'users:abc' }) ?? '', /entity/);
  assert.match(problem({ ...read, mode: 'fast' }) ?? '', /mode/);
  assert.match(problem({ ...read, value: { observed: { cassandra: { position: 3, deleted: false } } } }) ?? '', /store cassandra/);
  assert.match(problem({ ...read, value: { observed: { redis: { position: null, deleted: true } } } }) ?? '', /a deletion has a position/);
  assert.match(problem({ ...read, f: 'write', type: 'ok', value: { position: 3, deleted: false } }) ?? '', /its token/);
});
