// The gateway process: read the environment, start, run until SIGTERM/SIGINT.
import { createLogger } from '@polyglot/platform/logger';
import { runUntilSignal } from '@polyglot/platform/service-main';
import { start } from './app.ts';
import { loadGatewayConfig, type GatewayConfig } from './config.ts';

let config: GatewayConfig;
try {
  config = loadGatewayConfig();
} catch (error) {
  // What is wrong with the environment, without a stack trace in the way.
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
const logger = createLogger('gateway', config.LOG_LEVEL);
// Admin is a role on the user (./stackctl admin grant): a list of emails would let anyone who registers one of
// them in. A deployment that still sets the list is told that it does nothing.
if (process.env.ADMIN_EMAILS) logger.warn('ADMIN_EMAILS is no longer read: grant admin with ./stackctl admin grant EMAIL');
await runUntilSignal(logger, () => start(config, { logger }), { tracedAs: 'gateway' });
