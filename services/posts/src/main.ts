// The posts API process. A bad environment ends it at once with the list of
// what is wrong (one message, exit 1), like any other failed start.
import { createLogger } from '@polyglot/platform/logger';
import { runUntilSignal } from '@polyglot/platform/service-main';
import { start } from './app.ts';
import { loadPostsConfig } from './config.ts';

const logger = createLogger('posts');
await runUntilSignal(logger, () => start(loadPostsConfig(), { logger }), { tracedAs: 'posts' });
