// The test fault staleApply (src/domain/stale-apply-fault.ts), pure: after each
// newer version of a key, the version before it goes back over it; an older or
// repeated put, a deletion and the other operations pass as they are.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CacheOperation } from '../src/data-access/cache-operations.ts';
import { StaleApplyFault } from '../src/domain/stale-apply-fault.ts';

const user = (position: number, name: string): CacheOperation => ({
  kind: 'putUser',
  key: 'user:7',
  tombstoneKey: 'user:7:deleted',
  position,
  user: { id: 7, email: 'u7@example.test', name, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z', position },
});

test('each newer put is followed by the one before it; older and repeated puts are left alone', () => {
  const fault = new StaleApplyFault();
  const bump: CacheOperation = { kind: 'bump', key: 'posts:gen' };
  assert.deepEqual(fault.apply([user(10, 'a'), bump]), [user(10, 'a'), bump]);
  const second = fault.apply([user(20, 'b')]);
  assert.equal(second.length, 2);
  assert.deepEqual(second[1], { kind: 'overwrite', key: 'user:7', value: JSON.stringify((user(10, 'a') as { user: unknown }).user) });
  // A redelivery of 20, or the older 10, is what the projection's guard refuses anyway: nothing more.
  assert.deepEqual(fault.apply([user(20, 'b'), user(10, 'a')]), [user(20, 'b'), user(10, 'a')]);
  const third = fault.apply([user(30, 'c')]);
  assert.equal((third[1] as { value: string }).value, JSON.stringify((user(20, 'b') as { user: unknown }).user));
});
