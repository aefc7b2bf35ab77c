// The test fault dropOneIn (src/domain/drop-fault.ts), pure: one change in n.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DropFault } from '../src/domain/drop-fault.ts';

test('exactly one change in every n is dropped, the n-th', () => {
  const fault = new DropFault(100);
  const dropped = Array.from({ length: 1000 }, (_, i) => (fault.drops() ? i + 1 : 0)).filter((n) => n > 0);
  assert.deepEqual(dropped, [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
});
