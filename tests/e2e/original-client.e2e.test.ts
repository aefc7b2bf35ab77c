// The original React client of this API, replayed against the running gateway
// from a fixture of its calls in its shapes (fixtures/original-client.json):
// ids as strings of digits from <select>s, Origin http://localhost:3000, a
// content type on bodies only, PUT /posts/:id with the post sent back. Each
// answer must have the status it expects and every field it reads, typed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { waitFor } from '@polyglot/platform/wait-for';
import { gateway, runId } from './support.ts';

interface Step {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  body?: unknown;
  status: number | number[];
  /** path → type the client expects there: 'number', 'string|null', 'number 0..100', … */
  reads?: Record<string, string>;
  /** path → the value there, compared as text (the client sends ids as digits and reads them as numbers). */
  equals?: Record<string, string>;
  /** Items the answer (a list) must contain: every field given matches, compared as text. */
  includes?: Array<Record<string, string>>;
  save?: Record<string, string>;
  eventually?: boolean;
}

interface Fixture {
  origin: string;
  steps: Step[];
  cleanup: Step[];
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/original-client.json', import.meta.url), 'utf8')) as Fixture;

/** Ids saved from earlier answers, and the run's tag. */
const saved = new Map<string, unknown>([['run', `oc-${runId}`]]);

class MissingPlaceholder extends Error {}

function fill<T>(value: T): T {
  if (typeof value === 'string') {
    return value.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
      if (!saved.has(name)) throw new MissingPlaceholder(`{{${name}}} was never saved`);
      return String(saved.get(name));
    }) as T;
  }
  if (Array.isArray(value)) return value.map(fill) as T;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v)])) as T;
  return value;
}

interface Answer {
  status: number;
  body: unknown;
  text: string;
  /** The Link rel="next" of a list that holds more than a page (GET /users, GET /relationships). */
  next: string | null;
}

async function send(step: Step): Promise<Answer> {
  const body = step.body === undefined ? undefined : JSON.stringify(fill(step.body));
  const response = await fetch(`${gateway}${fill(step.path)}`, { method: step.method, headers: step.headers, body, signal: AbortSignal.timeout(15_000) });
  const text = await response.text();
  const next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1] ?? null;
  return { status: response.status, text, body: text === '' ? undefined : JSON.parse(text), next };
}

/**
 * Where an item a list must include sits when the store holds more than the first page (which is all
 * the original client reads: it predates paging). The list's own Link, with its cursor moved to just
 * before the item, as a client paging on would reach it: users by id, follows by follower then followee.
 */
async function laterPage(step: Step, answer: Answer, fields: Record<string, string>): Promise<unknown> {
  if (answer.next === null) return undefined;
  const url = new URL(answer.next, gateway);
  if (fields.id !== undefined) url.searchParams.set('after', String(Number(fields.id) - 1));
  else if (fields.followerId !== undefined && fields.followeeId !== undefined) url.searchParams.set('after', `${fields.followerId}:${Number(fields.followeeId) - 1}`);
  else return undefined;
  const response = await fetch(url, { headers: step.headers, signal: AbortSignal.timeout(15_000) });
  assert.equal(response.status, 200, `${url}: ${response.status}`);
  return response.json();
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Every value at a path: '[]' is each item of a list (which must not be empty), a segment ending in ? may be absent or null. */
function valuesAt(root: unknown, path: string): unknown[] {
  let current: unknown[] = [root];
  const segments = path.split('.');
  for (const [i, raw] of segments.entries()) {
    const optional = raw.endsWith('?');
    const segment = optional ? raw.slice(0, -1) : raw;
    const next: unknown[] = [];
    for (const value of current) {
      if (segment === '[]') {
        assert.ok(Array.isArray(value), `${path}: expected a list, got ${JSON.stringify(value)?.slice(0, 200)}`);
        assert.ok(value.length > 0, `${path}: the list is empty, so the client's fields cannot be checked`);
        next.push(...value);
        continue;
      }
      assert.ok(value !== null && typeof value === 'object', `${path}: expected an object at ${segments.slice(0, i).join('.') || 'the root'}`);
      const field = (value as Record<string, unknown>)[segment];
      // An optional field that is absent or null: nothing at or under it to check.
      if (optional && (field === undefined || field === null)) continue;
      assert.ok(field !== undefined, `${path}: the field ${segment} is missing in ${JSON.stringify(value).slice(0, 300)}`);
      next.push(field);
    }
    current = next;
  }
  return current;
}

function checkType(path: string, value: unknown, expected: string): void {
  const [types, range] = expected.split(' ') as [string, string | undefined];
  assert.ok(types.split('|').includes(typeOf(value)), `${path}: the client reads a ${types}, got ${JSON.stringify(value)}`);
  if (range) {
    const [min, max] = range.split('..').map(Number) as [number, number];
    assert.ok(typeof value === 'number' && value >= min && value <= max, `${path}: expected ${range}, got ${String(value)}`);
  }
}

async function check(step: Step, answer: Answer): Promise<void> {
  const statuses = Array.isArray(step.status) ? step.status : [step.status];
  assert.ok(statuses.includes(answer.status), `${step.method} ${fill(step.path)}: status ${answer.status}, expected ${statuses.join(' or ')}: ${answer.text.slice(0, 500)}`);
  for (const [path, expected] of Object.entries(step.reads ?? {})) {
    for (const value of valuesAt(answer.body, path)) checkType(path, value, expected);
  }
  for (const [path, expected] of Object.entries(step.equals ?? {})) {
    const [value] = valuesAt(answer.body, path);
    assert.equal(String(value), fill(expected), `${path}`);
  }
  for (const wanted of step.includes ?? []) {
    const fields = fill(wanted);
    assert.ok(Array.isArray(answer.body), `${step.path}: expected a list`);
    const has = (list: unknown) => Array.isArray(list) && (list as Array<Record<string, unknown>>).some((item) => Object.entries(fields).every(([k, v]) => String(item[k]) === v));
    assert.ok(has(answer.body) || has(await laterPage(step, answer, fields)), `${step.path}: no item with ${JSON.stringify(fields)}${answer.next ? ', on its first page or where its Link leads' : ''}`);
  }
}

async function replay(step: Step): Promise<Answer> {
  if (!step.eventually) {
    const answer = await send(step);
    await check(step, answer);
    return answer;
  }
  // Served by a projection: the client would show it after a refresh.
  return waitFor(`${step.method} ${step.path} to show what "${step.name}" expects`, async () => {
    const answer = await send(step);
    await check(step, answer);
    return answer;
  }, { timeoutMs: 30_000, intervalMs: 200 });
}

describe('the original client, replayed from its fixture against the running gateway', () => {
  after(async () => {
    const problems: string[] = [];
    for (const step of fixture.cleanup) {
      try {
        await check(step, await send(step));
      } catch (error) {
        // A step never reached leaves nothing to clean.
        if (!(error instanceof MissingPlaceholder)) problems.push(`${step.name}: ${(error as Error).message}`);
      }
    }
    assert.deepEqual(problems, [], 'cleanup');
  });

  test('the fixture is in the client’s shapes', () => {
    assert.ok(fixture.steps.length > 0);
    for (const step of fixture.steps) {
      assert.equal(step.headers.Origin, fixture.origin, `${step.name}: the client sends its Origin`);
      if (step.body === undefined) assert.equal(step.headers['Content-Type'], undefined, `${step.name}: no body, no content type`);
      else assert.equal(step.headers['Content-Type'], 'application/json', `${step.name}: a body is JSON`);
    }
    const deletes = fixture.steps.filter((s) => s.method === 'DELETE');
    assert.ok(deletes.length > 0 && deletes.every((s) => s.body === undefined), 'its DELETEs carry no body');
    const ids = fixture.steps.flatMap((s) => Object.entries((s.body ?? {}) as Record<string, unknown>)).filter(([k]) => /(_id|Id)$/.test(k));
    assert.ok(ids.length >= 3 && ids.every(([, v]) => typeof v === 'string' && /^\{\{\w+\}\}$/.test(v)), 'ids are sent as strings, as picked from a <select>');
  });

  for (const step of fixture.steps) {
    test(step.name, async () => {
      const answer = await replay(step);
      for (const [name, path] of Object.entries(step.save ?? {})) {
        const [value] = valuesAt(answer.body, path);
        assert.ok(value !== undefined, `${path} to save as ${name}`);
        saved.set(name, value);
      }
    });
  }
});
