import { loadConfig } from '@polyglot/platform/config';
import { createLogger } from '@polyglot/platform/logger';
import { runUntilSignal } from '@polyglot/platform/service-main';
import { start } from './app.ts';
import { GraphConfig } from './config.ts';

const logger = createLogger('graph');
await runUntilSignal(logger, () => start(loadConfig('graph', GraphConfig), { logger }));
