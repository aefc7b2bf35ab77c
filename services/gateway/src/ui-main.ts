import { loadConfig } from '@polyglot/platform/config';
import { createLogger } from '@polyglot/platform/logger';
import { runUntilSignal } from '@polyglot/platform/service-main';
import { startUiServer, UiConfig } from './ui-server.ts';

const logger = createLogger('ui');
await runUntilSignal(logger, () => startUiServer(loadConfig('ui', UiConfig), { logger }));
