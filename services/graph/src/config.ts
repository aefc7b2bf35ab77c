// The graph service's environment, parsed once at start: the follow API, the
// graph projection and the outbox relay run in this one process.
import { endpoints, urls } from '@polyglot/contracts/endpoints';
import { servicePorts } from '@polyglot/contracts/services';
import { consumerGroups } from '@polyglot/contracts/topics';
import { envPort, envRelayBatchBytes, envSwitch, envWatermarksUrl, loadConfig } from '@polyglot/platform/config';
import { envAllowedHosts } from '@polyglot/platform/request-guards';
import { envInternalSecret } from '@polyglot/platform/internal-secret';
import { z } from 'zod';

export const GraphConfig = z.object({
  PORT: envPort(servicePorts.graph),
  /** More host names this server answers to (see request-guards.ts). */
  ALLOWED_HOSTS: envAllowedHosts,
  /** Required from every caller; ./stackctl up passes it (see internal-secret.ts). */
  INTERNAL_SECRET: envInternalSecret,
  NEO4J_URL: z.string().regex(/^(bolt|neo4j)(\+s|\+ssc)?:\/\//, 'NEO4J_URL is a bolt:// or neo4j:// address').default(urls.neo4jBolt),
  NEO4J_USER: z.string().min(1).default(endpoints.neo4j.user),
  NEO4J_PASSWORD: z.string().min(1).default(() => endpoints.neo4j.password),
  /** off: this process runs no Kafka consumer (the graph projection; a second instance, or a test pointed at a dead store, must not join its group and dead-letter its messages): the HTTP API alone, for tests or an instance beside the stack's own. */
  CONSUMERS: envSwitch('on'),
  /** The projection's consumer group. Tests give one of their own, so they never take the running service's partitions. */
  GRAPH_PROJECTION_GROUP: z.string().min(1).default(consumerGroups.graphProjector),
  WATERMARKS_REDIS_URL: envWatermarksUrl(() => urls.redisState),
  // 'off': this process leaves the outbox to another (a test that reads the outbox
  // before anything publishes it, or an instance beside the stack's own).
  GRAPH_RELAY: envSwitch('on'),
  // The relay is woken by each write that fills the outbox; the idle poll is only a safety net.
  RELAY_POLL_MS: z.coerce.number().int().min(1).max(60_000).default(1000),
  RELAY_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  /** Most bytes one send to Kafka carries; an event larger than this alone goes to the dead letters. */
  RELAY_MAX_BATCH_BYTES: envRelayBatchBytes,
});
export type GraphConfig = z.output<typeof GraphConfig>;

export function loadGraphConfig(env: NodeJS.ProcessEnv = process.env): GraphConfig {
  return loadConfig('graph', GraphConfig, env);
}
