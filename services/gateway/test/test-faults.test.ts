// A service refuses test faults (packages/platform/src/test-faults.ts) unless
// node's test runner started its process: without NODE_TEST_CONTEXT, start()
// fails before it connects to anything. (stack/test/test-faults.test.ts shows
// that ./stackctl up can give a service neither the faults nor that variable.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { TestFaultsRefusedError, type TestFaults } from '@polyglot/platform/test-faults';
import { start as startGateway } from '../src/app.ts';
import { loadGatewayConfig } from '../src/config.ts';

const silent = pino({ level: 'silent' });
// Nothing listens on port 1: were anything opened before the refusal, this test would hang or fail otherwise.
const env = {
  PORT: '0',
  LOG_LEVEL: 'silent',
  INTERNAL_SECRET: 'f'.repeat(64),
  REDIS_URL: 'redis://127.0.0.1:1',
  STATE_REDIS_URL: 'redis://127.0.0.1:1',
  WATERMARKS_REDIS_URL: 'redis://127.0.0.1:1',
  TIMESCALE_URL: 'postgres://nobody@127.0.0.1:1/none',
  CONNECT_PASSWORD: 'unused',
};

async function outsideTheTestRunner(work: () => Promise<unknown>): Promise<unknown> {
  const saved = process.env.NODE_TEST_CONTEXT;
  delete process.env.NODE_TEST_CONTEXT;
  try {
    return await work().then(
      () => null,
      (error: unknown) => error,
    );
  } finally {
    if (saved !== undefined) process.env.NODE_TEST_CONTEXT = saved;
  }
}

const starts: Record<string, (faults: TestFaults) => Promise<unknown>> = {
  gateway: (testFaults) => startGateway(loadGatewayConfig(env), { logger: silent, testFaults }),
  analytics: async (testFaults) => (await import('@polyglot/analytics/app')).start((await import('@polyglot/analytics/config')).loadAnalyticsConfig(env), { logger: silent, testFaults }),
  projectors: async (testFaults) => (await import('@polyglot/projectors/app')).start((await import('@polyglot/projectors/config')).loadProjectorsConfig(env), { logger: silent, testFaults }),
};
const faultOf: Record<string, TestFaults> = { gateway: { strongAnswersEarly: true }, analytics: { dropOneIn: 100 }, projectors: { staleApply: true } };

for (const [service, start] of Object.entries(starts)) {
  test(`${service}: start() with ${Object.keys(faultOf[service]!)[0]} refuses outside the test runner, before it connects`, async () => {
    const error = await outsideTheTestRunner(() => start(faultOf[service]!));
    assert.ok(error instanceof TestFaultsRefusedError, `refused: ${String(error)}`);
    assert.match((error as Error).message, /only for a test that starts the service itself/);
  });
}
