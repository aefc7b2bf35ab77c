// The analytics process: read the environment, start, run until SIGTERM/SIGINT.
import { createLogger } from '@polyglot/platform/logger';
import { runUntilSignal } from '@polyglot/platform/service-main';
import { start } from './app.ts';
import { loadAnalyticsConfig } from './config.ts';

const config = loadAnalyticsConfig();
const logger = createLogger('analytics', config.LOG_LEVEL);
await runUntilSignal(logger, () => start(config, { logger }), { tracedAs: 'analytics' });
