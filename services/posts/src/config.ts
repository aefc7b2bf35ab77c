// The environment of the posts service, parsed once at start. KAFKA_BROKERS is read by @polyglot/platform/kafka
// itself (default 127.0.0.1:9092), so it is not repeated here.
import { z } from 'zod';
import { urls } from '@polyglot/contracts/endpoints';
import { servicePorts } from '@polyglot/contracts/services';
import { consumerGroups } from '@polyglot/contracts/topics';
import { envPort, envSwitch, loadConfig } from '@polyglot/platform/config';
import { envAllowedHosts } from '@polyglot/platform/request-guards';
import { envInternalSecret } from '@polyglot/platform/internal-secret';

const mongoUrl = z
  .string()
  .regex(/^mongodb(\+srv)?:\/\/[^/]+\/[A-Za-z0-9_-]+(\?.*)?$/, 'MONGO_URL is mongodb://HOST:PORT/DATABASE')
  .default(urls.mongo);

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

export const PostsConfig = z.object({
  PORT: envPort(servicePorts.posts),
  /** More host names this server answers to (see request-guards.ts). */
  ALLOWED_HOSTS: envAllowedHosts,
  /** Required from every caller; ./stackctl up passes it (see internal-secret.ts). */
  INTERNAL_SECRET: envInternalSecret,
  MONGO_URL: mongoUrl,
  LOG_LEVEL: logLevel,
  /** off: this process runs no Kafka consumer (the user cascade, which deletes a deleted user's posts): the HTTP API alone, for tests or an instance beside the stack's own. */
  CONSUMERS: envSwitch('on'),
  USER_CASCADE_GROUP: z.string().min(1).default(consumerGroups.postsUserCascade),
});
export type PostsConfig = z.output<typeof PostsConfig>;

export function loadPostsConfig(env: NodeJS.ProcessEnv = process.env): PostsConfig {
  return loadConfig('posts', PostsConfig, env);
}
