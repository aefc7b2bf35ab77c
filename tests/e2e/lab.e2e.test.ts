// The consistency lab on the running system: strong writes leave no stale
// read anywhere; each experiment's recorded history is judged valid by the
// history checker; results are kept and listed; bad input is refused.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { start, type RunningGateway } from '@polyglot/gateway/app';
import { loadGatewayConfig } from '@polyglot/gateway/config';
import { setRole } from '@polyglot/stack/commands/admin';
import { api, callAs, runId } from './support.ts';

/** The history checker judged the experiment's history (docs/history-checker.md): every property looked at, none broken. */
function assertValidVerdict(result: any): void {
  assert.ok(result.verdict, `no verdict: ${result.verdictError}`);
  const { verdict } = result;
  assert.equal(verdict.valid, true, JSON.stringify(verdict.anomalies.slice(0, 3), null, 1));
  assert.ok(verdict.operations >= result.input.writes * 2, `every write and its read recorded: ${verdict.operations}`);
  assert.ok(verdict.historyLines > verdict.operations, 'invokes, completions and the final section');
  for (const property of ['read-your-writes', 'monotonic-reads', 'convergence', 'lost-or-resurrected']) assert.ok(property in verdict.properties, property);
  assert.ok(verdict.properties.convergence.checked > 0, 'the final section was judged');
  if (result.input.mode === 'strong') assert.ok(verdict.properties.strong.checked > 0, 'the strong reads were judged');
}

describe('the consistency lab', () => {
  for (const kind of ['users', 'posts', 'follows'] as const) {
    test(`${kind}: strong mode answers after every store shows the write, so no read right after it is stale`, async () => {
      const run = await api('POST', '/lab/experiments', { mode: 'strong', writes: 6, rate: 20, kind });
      assert.equal(run.status, 201, JSON.stringify(run.body));
      const { stores, failedWrites, input } = run.body;
      assert.deepEqual(input, { mode: 'strong', writes: 6, rate: 20, kind });
      assert.equal(failedWrites, 0);
      assert.deepEqual(Object.keys(stores).sort(), ['analytics', 'cache', 'graph']);
      for (const [name, store] of Object.entries<any>(stores)) {
        assert.equal(store.reads, 6, name);
        assert.equal(store.stale, 0, `${name}: ${JSON.stringify(store)}`);
        if (store.role === 'projection') {
          assert.equal(store.timeToVisibleMs.count, 6, name);
          assert.ok(store.timeToVisibleMs.p50 >= 0 && store.timeToVisibleMs.max >= store.timeToVisibleMs.p50, name);
        }
      }
      if (kind === 'follows') assert.equal(stores.graph.role, 'source');
      assertValidVerdict(run.body);
    });
  }

  test('eventual mode measures the same stores; its result is listed, newest first', async () => {
    const run = await api('POST', '/lab/experiments', { mode: 'eventual', writes: 5, rate: 10, kind: 'users' });
    assert.equal(run.status, 201, JSON.stringify(run.body));
    for (const store of Object.values<any>(run.body.stores)) {
      assert.equal(store.reads, 5);
      assert.ok(store.stale >= 0 && store.stale <= 5);
      assert.equal(store.staleRatio, store.stale / 5);
    }
    // Stale right after the write is what eventual means: no property of the history is broken by it.
    assertValidVerdict(run.body);
    const listed = await api('GET', '/lab/experiments');
    assert.equal(listed.status, 200);
    assert.equal(listed.body[0].id, run.body.id);
  });

  test('bad input is a 400 naming the field', async () => {
    const tooLong = await api('POST', '/lab/experiments', { mode: 'strong', writes: 500, rate: 1, kind: 'users' });
    assert.equal(tooLong.status, 400);
    assert.match(tooLong.body.error, /120 s/);
    const kind = await api('POST', '/lab/experiments', { mode: 'strong', writes: 5, rate: 1, kind: 'comments' });
    assert.equal(kind.status, 400);
    assert.equal(kind.body.code, 'VALIDATION_FAILED');
  });
});

describe('the lab with AUTH_REQUIRED=true', () => {
  // A second gateway in this process, with sessions required, before the running services: the running system stays as it is.
  let gateway: RunningGateway | undefined;
  const made: number[] = [];
  after(async () => {
    for (const id of made) await api('DELETE', `/users/${id}`);
    await gateway?.stop();
  });

  test('an admin runs it: its writes touch only the users it made, whose owner the admin is not; anyone else is refused', async () => {
    gateway = await start(loadGatewayConfig({ ...process.env, PORT: '0', LOG_LEVEL: 'silent', AUTH_REQUIRED: 'true', LOGIN_MAX_PER_ADDRESS: '100000' }));
    const url = `http://127.0.0.1:${gateway.port}`;
    const call = (method: string, path: string, body: unknown, token?: string) => callAs(url, method, path, body, token);
    const signIn = async (name: string) => {
      const email = `lab-auth-${name}-${runId}@e2e.test`;
      const created = await call('POST', '/users', { email, name, password: 'correct horse battery' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      made.push(created.body.id);
      return { email, login: async () => (await call('POST', '/auth/login', { email, password: 'correct horse battery' })).body.token as string };
    };
    const operator = await signIn('operator');
    await setRole(operator.email, 'admin');
    const token = await operator.login();
    for (const kind of ['users', 'posts', 'follows'] as const) {
      const run = await call('POST', '/lab/experiments', { mode: 'eventual', writes: 3, rate: 20, kind }, token);
      assert.equal(run.status, 201, `${kind}: ${JSON.stringify(run.body)}`);
      assert.equal(run.body.failedWrites, 0, `${kind}: ${JSON.stringify(run.body)}`);
    }
    const plain = await (await signIn('plain')).login();
    assert.equal((await call('POST', '/lab/experiments', { mode: 'eventual', writes: 3, rate: 20, kind: 'users' }, plain)).body.code, 'ADMIN_REQUIRED');
  });
});
