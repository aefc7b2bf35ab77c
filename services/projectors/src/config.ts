// The projectors process's environment, parsed once at start; a wrong value
// stops the process with a readable message instead of failing later.
import { z } from 'zod';
import { urls } from '@polyglot/contracts/endpoints';
import { servicePorts } from '@polyglot/contracts/services';
import { envFlag, envPort, envRedisUrl, envWatermarksUrl, loadConfig } from '@polyglot/platform/config';

export const ProjectorsConfig = z.object({
  PORT: envPort(servicePorts.projectors),
  REDIS_URL: envRedisUrl(urls.redis),
  WATERMARKS_REDIS_URL: envWatermarksUrl(urls.redis),
  /** Read by @polyglot/platform/kafka; declared here so a typo is caught at start. */
  KAFKA_BROKERS: z.string().regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'KAFKA_BROKERS is host:port[,host:port…]').optional(),
  /** HTTP API only: neither the cache projection nor the dead-letter index (tests against a dead store). */
  SKIP_CONSUMERS: envFlag,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type ProjectorsConfig = z.output<typeof ProjectorsConfig>;

export function loadProjectorsConfig(env: NodeJS.ProcessEnv = process.env): ProjectorsConfig {
  return loadConfig('projectors', ProjectorsConfig, env);
}
