// Processes of the system as a test starts them with a test fault on
// (packages/platform/src/test-faults.ts), to show that the history checker
// catches each broken mode: the gateway (strong answers before it waited),
// the analytics projection (drops one change in n) and the cache projection
// (writes the version before over each newer one). They start in the test's
// own process, which node --test started: no other process can run them.
//
// The two projections take the stack's own place: the test stops the stack's
// unit first (POST /faults/units/NAME/stop), then starts this one on the same
// port, in the same consumer group, so the stack's gateway and pipeline use it
// unawares; it starts the stack's again afterwards.
import { servicePorts } from '@polyglot/contracts/services';
import type { TestFaults } from '@polyglot/platform/test-faults';
import { pino } from 'pino';
import { start, type RunningGateway } from '../src/app.ts';
import { loadGatewayConfig } from '../src/config.ts';

interface Running {
  port: number;
  stop(): Promise<void>;
}

const logger = pino({ level: process.env.FAULTY_UNITS_LOG ?? 'warn' });

/** A gateway of the test's own (port 0) in front of the stack's services and stores. */
export function startFaultyGateway(testFaults: TestFaults, env: Record<string, string> = {}): Promise<RunningGateway> {
  return start(loadGatewayConfig({ ...process.env, PORT: '0', LOG_LEVEL: 'warn', LOGIN_MAX_PER_ADDRESS: '100000', ...env }), { logger: logger.child({ unit: 'gateway' }), testFaults });
}

/** The analytics service with its projection, on the stack's port and in the stack's group: stop the stack's first. */
export async function startFaultyAnalytics(testFaults: TestFaults): Promise<Running> {
  const { start: startAnalytics } = await import('@polyglot/analytics/app');
  const { loadAnalyticsConfig } = await import('@polyglot/analytics/config');
  return startAnalytics(loadAnalyticsConfig({ ...process.env, PORT: String(servicePorts.analytics), LOG_LEVEL: 'warn' }), { logger: logger.child({ unit: 'analytics' }), testFaults });
}

/** The projectors service (the cache projection, the dead-letter index), on the stack's port and in its groups: stop the stack's first. */
export async function startFaultyProjectors(testFaults: TestFaults): Promise<Running> {
  const { start: startProjectors } = await import('@polyglot/projectors/app');
  const { loadProjectorsConfig } = await import('@polyglot/projectors/config');
  return startProjectors(loadProjectorsConfig({ ...process.env, PORT: String(servicePorts.projectors), LOG_LEVEL: 'warn' }), { logger: logger.child({ unit: 'projectors' }), testFaults });
}
