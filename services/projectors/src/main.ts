// The projectors process: read the environment, start, run until SIGTERM/SIGINT.
import { createLogger } from '@polyglot/platform/logger';
import { runUntilSignal } from '@polyglot/platform/service-main';
import { start } from './app.ts';
import { loadProjectorsConfig } from './config.ts';

const config = loadProjectorsConfig();
const logger = createLogger('projectors', config.LOG_LEVEL);
await runUntilSignal(logger, () => start(config, { logger }), { tracedAs: 'projectors' });
