import { loadConfig } from '@polyglot/platform/config';
import { createLogger } from '@polyglot/platform/logger';
import { runUntilSignal } from '@polyglot/platform/service-main';
import { RelayConfig } from './config.ts';
import { startRelay } from './relay-app.ts';

const logger = createLogger('graph-relay');
await runUntilSignal(logger, () => startRelay(loadConfig('graph-relay', RelayConfig), { logger }));
