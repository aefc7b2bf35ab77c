// The analytics service's environment, parsed once at start; a wrong value
// stops the process with a readable message instead of failing later.
import { z } from 'zod';
import { urls } from '@polyglot/contracts/endpoints';
import { servicePorts } from '@polyglot/contracts/services';
import { consumerGroups } from '@polyglot/contracts/topics';
import { envFlag, envPort, envSwitch, envWatermarksUrl, loadConfig } from '@polyglot/platform/config';
import { envAllowedHosts } from '@polyglot/platform/request-guards';
import { envInternalSecret } from '@polyglot/platform/internal-secret';

export const AnalyticsConfig = z.object({
  PORT: envPort(servicePorts.analytics),
  /** More host names this server answers to (see request-guards.ts). */
  ALLOWED_HOSTS: envAllowedHosts,
  /** Required from every caller; ./stackctl up passes it (see internal-secret.ts). */
  INTERNAL_SECRET: envInternalSecret,
  TIMESCALE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'TIMESCALE_URL must be a postgres:// URL')
    .default(() => urls.timescaledb),
  /** Read by @polyglot/platform/kafka; declared here so a typo is caught at start. */
  KAFKA_BROKERS: z.string().regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'KAFKA_BROKERS is host:port[,host:port…]').optional(),
  /** The schema is owned by this service; skip only when another process migrates (or in tests against a dead store). */
  SKIP_MIGRATIONS: envFlag,
  /** off: this process runs no Kafka consumer (the analytics projection): the HTTP API alone, for tests or an instance beside the stack's own. */
  CONSUMERS: envSwitch('on'),
  /** The projection's consumer group. Tests give one of their own, so they never take the running service's partitions. */
  PROJECTION_GROUP: z.string().min(1).default(consumerGroups.analyticsProjector),
  WATERMARKS_REDIS_URL: envWatermarksUrl(() => urls.redisState),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type AnalyticsConfig = z.output<typeof AnalyticsConfig>;

export function loadAnalyticsConfig(env: NodeJS.ProcessEnv = process.env): AnalyticsConfig {
  return loadConfig('analytics', AnalyticsConfig, env);
}
