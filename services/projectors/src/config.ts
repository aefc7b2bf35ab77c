// The projectors process's environment, parsed once at start; a wrong value
// stops the process with a readable message instead of failing later.
import { z } from 'zod';
import { urls } from '@polyglot/contracts/endpoints';
import { servicePorts } from '@polyglot/contracts/services';
import { consumerGroups } from '@polyglot/contracts/topics';
import { envPort, envRedisUrl, envSwitch, envWatermarksUrl, loadConfig } from '@polyglot/platform/config';
import { envAllowedHosts } from '@polyglot/platform/request-guards';
import { envInternalSecret } from '@polyglot/platform/internal-secret';

export const ProjectorsConfig = z.object({
  PORT: envPort(servicePorts.projectors),
  /** More host names this server answers to (see request-guards.ts). */
  ALLOWED_HOSTS: envAllowedHosts,
  /** Required from every caller; ./stackctl up passes it (see internal-secret.ts). */
  INTERNAL_SECRET: envInternalSecret,
  /** The cache: profiles (pages are the gateway's). */
  REDIS_URL: envRedisUrl(() => urls.redis),
  /** State that must not be lost: tombstones and page generations (never evicted). */
  STATE_REDIS_URL: envRedisUrl(() => urls.redisState),
  WATERMARKS_REDIS_URL: envWatermarksUrl(() => urls.redisState),
  /** Read by @polyglot/platform/kafka; declared here so a typo is caught at start. */
  KAFKA_BROKERS: z.string().regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'KAFKA_BROKERS is host:port[,host:port…]').optional(),
  /** off: this process runs no Kafka consumer (neither the cache projection nor the dead-letter index): the HTTP API alone, for tests or an instance beside the stack's own. */
  CONSUMERS: envSwitch('on'),
  /** The consumer groups. Tests give groups of their own, so they never take the running service's partitions. */
  CACHE_PROJECTION_GROUP: z.string().min(1).default(consumerGroups.cacheProjector),
  DEAD_LETTER_INDEX_GROUP: z.string().min(1).default(consumerGroups.deadLetterIndex),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type ProjectorsConfig = z.output<typeof ProjectorsConfig>;

export function loadProjectorsConfig(env: NodeJS.ProcessEnv = process.env): ProjectorsConfig {
  return loadConfig('projectors', ProjectorsConfig, env);
}
