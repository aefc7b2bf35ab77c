// The posts outbox relay process.
import { loadConfig } from '@polyglot/platform/config';
import { createLogger } from '@polyglot/platform/logger';
import { runUntilSignal } from '@polyglot/platform/service-main';
import { RelayConfigSchema } from './config.ts';
import { start } from './relay.ts';

const logger = createLogger('posts-relay');
await runUntilSignal(logger, () => start(loadConfig('posts-relay', RelayConfigSchema), { logger }));
