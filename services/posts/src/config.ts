// The environment of the posts service, parsed once at start. KAFKA_BROKERS is read by @polyglot/platform/kafka
// itself (default 127.0.0.1:9092), so it is not repeated here.
import { z } from 'zod';
import { urls } from '@polyglot/contracts/endpoints';
import { servicePorts } from '@polyglot/contracts/services';
import { consumerGroups } from '@polyglot/contracts/topics';
import { envPort } from '@polyglot/platform/config';
import { envAllowedHosts } from '@polyglot/platform/request-guards';
import { envInternalSecret } from '@polyglot/platform/internal-secret';

const mongoUrl = z
  .string()
  .regex(/^mongodb(\+srv)?:\/\/[^/]+\/[A-Za-z0-9_-]+(\?.*)?$/, 'MONGO_URL is mongodb://HOST:PORT/DATABASE')
  .default(urls.mongo);

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

const onOff = (fallback: 'on' | 'off') =>
  z
    .enum(['on', 'off', 'true', 'false', '1', '0'])
    .default(fallback)
    .transform((v) => v === 'on' || v === 'true' || v === '1');

export const PostsConfigSchema = z.object({
  PORT: envPort(servicePorts.posts),
  /** More host names this server answers to (see request-guards.ts). */
  ALLOWED_HOSTS: envAllowedHosts,
  /** Required from every caller; ./stackctl up passes it (see internal-secret.ts). */
  INTERNAL_SECRET: envInternalSecret,
  MONGO_URL: mongoUrl,
  LOG_LEVEL: logLevel,
  /** The consumer that deletes a deleted user's posts. */
  USER_CASCADE: onOff('on'),
  USER_CASCADE_GROUP: z.string().min(1).default(consumerGroups.postsUserCascade),
});
export type PostsConfig = z.output<typeof PostsConfigSchema>;
