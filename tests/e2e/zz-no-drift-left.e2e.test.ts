// Runs last (./stackctl test puts zz- files at the end): the tests left the
// running system as they found it. A person who runs the tests and then opens
// the UI's reconciler sees zero drift. A failure names each drift: find the
// test that made that entity and have it clean up after itself (through the
// API where it can; and a message a test puts on a shared topic must end
// deleted there, since the stack's projections apply it too).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeDrift, settledDrift } from './support.ts';

test('after every other test, GET /reconcile reports no drift', { timeout: 300_000 }, async () => {
  const report = await settledDrift();
  assert.equal(report.total, 0, `the tests left ${report.total} drift(s) in the running system:\n${describeDrift(report.drift)}`);
});
