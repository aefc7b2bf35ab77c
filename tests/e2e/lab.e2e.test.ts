// The consistency lab on the running system: strong writes leave no stale
// read anywhere; results are kept and listed; bad input is refused.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { api } from './support.ts';

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
