// The users process: read the environment, start, run until SIGTERM/SIGINT.
import { createLogger } from '@polyglot/platform/logger';
import { runUntilSignal } from '@polyglot/platform/service-main';
import { start } from './app.ts';
import { loadUsersConfig } from './config.ts';

const config = loadUsersConfig();
const logger = createLogger('users', config.LOG_LEVEL);
await runUntilSignal(logger, () => start(config, { logger }), { tracedAs: 'users' });
