import { createLogger } from '@polyglot/platform/logger';
import { runUntilSignal } from '@polyglot/platform/service-main';
import { start } from './app.ts';
import { loadGraphConfig } from './config.ts';

const logger = createLogger('graph');
await runUntilSignal(logger, () => start(loadGraphConfig(), { logger }), { tracedAs: 'graph' });
