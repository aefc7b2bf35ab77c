// The test faults (packages/platform/src/test-faults.ts) exist only in a test
// configuration: a service started by ./stackctl up can never run with one.
// Up starts every service through its main.ts (service-units.ts names them),
// main.ts passes start() no test faults, and the environment up gives a
// service holds no NODE_* variable, so not NODE_TEST_CONTEXT, without which
// start() refuses them anyway.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { testFaultsFor, TestFaultsRefusedError } from '@polyglot/platform/test-faults';
import { repoRoot } from '../src/paths.ts';
import { NODE_UNIT_ENV } from '../src/services/node-flags.ts';
import { serviceEntries, settingsFromHost } from '../src/services/service-units.ts';

test("every service up starts runs its main.ts, which passes start() no test faults", () => {
  const entries = Object.values(serviceEntries);
  assert.ok(entries.includes('services/gateway/src/main.ts') && entries.includes('services/analytics/src/main.ts') && entries.includes('services/projectors/src/main.ts'), entries.join(', '));
  for (const entry of entries) {
    const main = readFileSync(join(repoRoot, entry), 'utf8');
    assert.doesNotMatch(main, /testFaults|TestFaults|test-faults/, `${entry} must not pass test faults`);
  }
});

test("the environment up gives a service carries no NODE_TEST_CONTEXT, whatever up's own holds", () => {
  const env = settingsFromHost({ NODE_TEST_CONTEXT: 'child-v8', NODE_OPTIONS: '--inspect', TEST_FAULTS: 'strongAnswersEarly', LOG_LEVEL: 'info' });
  assert.equal(env.NODE_TEST_CONTEXT, undefined);
  assert.equal(env.NODE_OPTIONS, undefined);
  // Any other name reaches the services as a setting, but no service reads a test fault from its environment.
  assert.equal(env.LOG_LEVEL, 'info');
  assert.equal(Object.keys(NODE_UNIT_ENV).some((name) => name.startsWith('NODE_')), false);
});

test('start() refuses test faults unless node --test started the process', () => {
  assert.deepEqual(testFaultsFor(undefined, {}), {});
  assert.deepEqual(testFaultsFor({ strongAnswersEarly: false }, {}), {});
  assert.throws(() => testFaultsFor({ strongAnswersEarly: true }, {}), TestFaultsRefusedError);
  assert.throws(() => testFaultsFor({ dropOneIn: 100 }, { NODE_ENV: 'production' }), /only for a test that starts the service itself/);
  assert.deepEqual(testFaultsFor({ staleApply: true }, { NODE_TEST_CONTEXT: 'child-v8' }), { staleApply: true });
  assert.throws(() => testFaultsFor({ dropOneIn: 1 }, { NODE_TEST_CONTEXT: 'child-v8' }), /whole number ≥ 2/);
});
