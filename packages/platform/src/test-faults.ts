// Faults that break the system on purpose, so that the history checker can be
// shown to catch each broken mode (docs/history-checker.md): a checker that
// never fails proves nothing. They exist only in a test configuration:
//
// - they are an argument of a service's start(config, options), never a
//   setting of its environment: main.ts, the only way ./stackctl up starts a
//   service, passes none, so no environment can switch one on;
// - start() refuses them unless node's test runner started the process
//   (NODE_TEST_CONTEXT, which `node --test` sets in each test file's process
//   and which ./stackctl up never passes on: service-units.ts keeps every
//   NODE_* variable of its own environment from the services).
//
// A test starts its own gateway or projection process with them (see
// services/gateway/test-fixtures/faulty-units.ts).

export interface TestFaults {
  /** The gateway: a strong write answers once its source committed, without waiting for the projections. */
  strongAnswersEarly?: boolean;
  /** The analytics projection: one message in this many is left out of TimescaleDB, yet reported applied. */
  dropOneIn?: number;
  /** The cache projection: right after a newer version of a profile or post, writes the one before it back over it. */
  staleApply?: boolean;
}

export class TestFaultsRefusedError extends Error {
  override name = 'TestFaultsRefusedError';
}

/** The faults to run with: none unless asked for, and only under the test runner. */
export function testFaultsFor(requested: TestFaults | undefined, env: NodeJS.ProcessEnv = process.env): TestFaults {
  const on = Object.entries(requested ?? {}).filter(([, value]) => value !== undefined && value !== false && value !== 0);
  if (on.length === 0) return {};
  if (!env.NODE_TEST_CONTEXT) {
    throw new TestFaultsRefusedError(
      `test faults (${on.map(([name]) => name).join(', ')}) break the system on purpose and are only for a test that starts the service itself under node --test; this process was not started by the test runner`,
    );
  }
  if (requested?.dropOneIn !== undefined && (!Number.isSafeInteger(requested.dropOneIn) || requested.dropOneIn < 2)) throw new TestFaultsRefusedError(`dropOneIn is a whole number ≥ 2, not ${requested.dropOneIn}`);
  return { ...requested };
}
