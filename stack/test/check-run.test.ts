// ./stackctl check from end to end against a gateway of this test's own: a
// small model of the system that answers the public API, /lab/observations,
// /health and /faults the way the real gateway does, every store showing each
// change at once. What the CLI records must then be a history the checker
// reads and finds valid; and when the model's Redis lags a version behind
// (a broken projection), the checker must name what broke. This tests the
// run (clients, recorder, nemesis calls, final look, verdict, exit codes)
// without the engines; tests/e2e/check.e2e.test.ts runs it on the system.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../test-fixtures/run-cli.ts';

interface Model {
  lsn: number;
  seq: number;
  postCount: number;
  users: Map<number, { position: number; deleted: boolean }>;
  posts: Map<string, { version: number; previous: number | null; deleted: boolean }>;
  follows: Map<string, { position: number; deleted: boolean }>;
  faults: string[];
}

/** broken: Redis shows each post one version behind its newest (the stale-apply fault, in the model). */
function fakeGateway(broken: boolean) {
  const m: Model = { lsn: 1000, seq: 0, postCount: 0, users: new Map(), posts: new Map(), follows: new Map(), faults: [] };
  let calls = 0;
  const observe = (entity: string): Record<string, { position: number | null; deleted: boolean }> => {
    const [source, a, b] = entity.split(':');
    const absent = { position: null, deleted: false };
    if (source === 'users') {
      const u = m.users.get(Number(a));
      if (!u) return { postgres: absent, neo4j: absent, redis: absent, timescaledb: absent };
      const shown = { position: u.position + 7, deleted: u.deleted };
      return { postgres: u.deleted ? absent : { position: m.lsn, deleted: false }, neo4j: shown, redis: shown, timescaledb: shown };
    }
    if (source === 'posts') {
      const p = m.posts.get(a!);
      if (!p) return { ferretdb: absent, redis: absent, timescaledb: absent };
      const redis = p.deleted ? absent : broken && p.previous !== null ? { position: p.previous, deleted: false } : { position: p.version, deleted: false };
      return { ferretdb: p.deleted ? absent : { position: p.version, deleted: false }, redis, timescaledb: { position: p.version, deleted: p.deleted } };
    }
    const f = m.follows.get(`${a}:${b}`);
    if (!f) return { neo4j: absent, timescaledb: absent };
    return { neo4j: f.deleted ? absent : { position: f.position, deleted: false }, timescaledb: { position: f.position, deleted: f.deleted } };
  };
  const handle = (method: string, url: URL, body: any): { status: number; body?: unknown; token?: string } => {
    const path = url.pathname;
    const strong = url.searchParams.get('consistency') === 'strong';
    // Now and then a strong write commits but its projections are late: 504 with the token.
    const late = (token: string, status: number, answer?: unknown) => (strong && ++calls % 17 === 0 ? { status: 504, body: { error: 'late', code: 'CONSISTENCY_TIMEOUT', token, late: ['cache'] }, token } : { status, body: answer, token });
    if (method === 'GET' && path === '/health') return { status: 200, body: { status: 'ok', pipeline: { projections: { graph: { lag: 0 }, cache: { lag: 0 }, analytics: { lag: 0 } }, relays: { 'graph-relay': 0 } } } };
    if (path.startsWith('/faults/')) {
      m.faults.push(`${method} ${path} ${JSON.stringify(body ?? {})}`);
      return { status: 200, body: {} };
    }
    if (method === 'POST' && path === '/lab/observations') {
      return { status: 200, body: { entities: Object.fromEntries((body.entities as string[]).map((e) => [e, { observed: observe(e) }])), unavailable: {} } };
    }
    if (method === 'POST' && path === '/users') {
      const id = m.users.size + 1;
      m.users.set(id, { position: ++m.lsn, deleted: false });
      m.lsn += 10;
      return late(`users:${id}:${m.users.get(id)!.position}`, 201, { id, email: body.email, name: body.name });
    }
    const user = /^\/users\/(\d+)$/.exec(path);
    if (user) {
      const u = m.users.get(Number(user[1]));
      if (method === 'GET') return u && !u.deleted ? { status: 200, body: { id: Number(user[1]) } } : { status: 404, body: { error: 'no', code: 'USER_NOT_FOUND' } };
      if (!u || u.deleted) return { status: 404, body: { error: 'no', code: 'USER_NOT_FOUND' } };
      u.position = ++m.lsn;
      m.lsn += 10;
      if (method === 'DELETE') u.deleted = true;
      return late(`users:${user[1]}:${u.position}`, method === 'DELETE' ? 204 : 200, method === 'DELETE' ? undefined : { id: Number(user[1]) });
    }
    if (method === 'POST' && path === '/posts') {
      const id = (++m.postCount).toString(16).padStart(24, '0');
      m.posts.set(id, { version: 1, previous: null, deleted: false });
      return late(`posts:${id}:1`, 201, { _id: id });
    }
    const post = /^\/posts\/([0-9a-f]{24})$/.exec(path);
    if (post) {
      const p = m.posts.get(post[1]!);
      if (method === 'GET') return p && !p.deleted ? { status: 200, body: { _id: post[1] } } : { status: 404, body: { error: 'no', code: 'POST_NOT_FOUND' } };
      if (!p || p.deleted) return { status: 404, body: { error: 'no', code: 'POST_NOT_FOUND' } };
      p.previous = p.version;
      p.version++;
      if (method === 'DELETE') p.deleted = true;
      return late(`posts:${post[1]}:${p.version}`, method === 'DELETE' ? 204 : 200, method === 'DELETE' ? undefined : { _id: post[1] });
    }
    if (path === '/follow') {
      const key = `${body.followerId}:${body.followeeId}`;
      const f = m.follows.get(key);
      if (method === 'POST') {
        if (f && !f.deleted) return { status: 200, body: { created: false } };
        m.follows.set(key, { position: ++m.seq, deleted: false });
        return late(`graph:${body.followerId}:${m.seq}`, 201, { created: true });
      }
      if (!f || f.deleted) return { status: 404, body: { error: 'no', code: 'FOLLOW_NOT_FOUND' } };
      f.position = ++m.seq;
      f.deleted = true;
      return late(`graph:${body.followerId}:${m.seq}`, 204);
    }
    if (method === 'GET' && path === '/relationships') return { status: 200, body: [] };
    return { status: 404, body: { error: 'no route', code: 'ROUTE_NOT_FOUND' } };
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      const answer = handle(request.method!, new URL(request.url!, 'http://fake'), text === '' ? undefined : JSON.parse(text));
      if (answer.token) response.setHeader('x-consistency-token', answer.token);
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(answer.body === undefined || answer.status === 204 ? undefined : JSON.stringify(answer.body));
    });
  });
  return { server, model: m };
}

for (const broken of [false, true]) {
  describe(broken ? 'a model whose Redis lags a version behind' : 'a model whose stores all show each change at once', () => {
    const fake = fakeGateway(broken);
    const state = mkdtempSync(join(tmpdir(), 'check-run-'));
    let url = '';
    before(async () => {
      await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    });
    after(() => {
      fake.server.close();
      rmSync(state, { recursive: true, force: true });
    });

    test(broken ? 'exit 1: the checker names what broke, in Redis' : 'exit 0: the recorded history is valid; the nemesis acted and everything was healed', { timeout: 180_000 }, async () => {
      const result = await runCli(['check', '--seconds', '6', '--clients', '3', '--seed', '99', '--json'], { env: { GATEWAY_URL: url, STACK_STATE_DIR: state } });
      assert.equal(result.code, broken ? 1 : 0, result.stderr.slice(-3000));
      const summary = JSON.parse(result.stdout) as { seed: number; valid: boolean; historyFile: string; verdictFile: string; historyLines: number; verdict: { anomalies: Array<{ property: string; store: string }>; properties: Record<string, { checked: number; anomalies: number }> }; plan: unknown[]; nemesis: unknown[]; replay: string };
      assert.equal(summary.seed, 99);
      assert.match(summary.replay, /--seed 99/);
      assert.match(result.stderr, /check: seed 99/);
      const lines = readFileSync(summary.historyFile, 'utf8').trim().split('\n');
      assert.equal(lines.length, summary.historyLines);
      assert.ok(lines.some((l) => l.includes('"f":"final"')), 'a final section');
      assert.ok(lines.some((l) => l.includes('"error":"CONSISTENCY_TIMEOUT"')), 'some strong writes answered 504, recorded as info');
      for (const property of ['strong', 'read-your-writes', 'monotonic-reads', 'convergence', 'lost-or-resurrected']) assert.ok(summary.verdict.properties[property]!.checked > 0, `${property} checked`);
      assert.deepEqual(JSON.parse(readFileSync(summary.verdictFile, 'utf8')).valid, summary.valid);
      if (broken) {
        assert.equal(summary.valid, false);
        assert.ok(summary.verdict.anomalies.length > 0 && summary.verdict.anomalies.every((a) => a.store === 'redis'), JSON.stringify(summary.verdict.anomalies.slice(0, 3)));
        assert.ok(summary.verdict.properties.convergence!.anomalies > 0, 'convergence names it');
      } else {
        assert.equal(summary.valid, true, JSON.stringify(summary.verdict.anomalies.slice(0, 3)));
        assert.ok(summary.plan.length > 0 && summary.nemesis.length >= summary.plan.length, 'the nemesis acted');
        // healEverything: every projection resumed, undelayed and applying once at the end.
        assert.ok(fake.model.faults.some((f) => f.startsWith('POST /faults/projections/cache/resume')));
        assert.ok(fake.model.faults.some((f) => f.includes('/faults/projections/analytics {"delayMs":0}')));
      }
    });
  });
}
