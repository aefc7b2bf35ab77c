// The graph service's environment, parsed once at start. Both processes (API +
// projection, and the outbox relay) open Neo4j with the same settings.
import { endpoints, urls } from '@polyglot/contracts/endpoints';
import { serviceUrl, servicePorts } from '@polyglot/contracts/services';
import { envPort, envWatermarksUrl } from '@polyglot/platform/config';
import { z } from 'zod';

const neo4jSettings = {
  NEO4J_URL: z.string().regex(/^(bolt|neo4j)(\+s|\+ssc)?:\/\//, 'NEO4J_URL is a bolt:// or neo4j:// address').default(urls.neo4jBolt),
  NEO4J_USER: z.string().min(1).default(endpoints.neo4j.user),
  NEO4J_PASSWORD: z.string().min(1).default(endpoints.neo4j.password),
};

export const GraphConfig = z.object({
  PORT: envPort(servicePorts.graph),
  ...neo4jSettings,
  // 'off' runs the HTTP API alone: a second instance (or a test pointed at a dead
  // store) must not join the projector's consumer group and dead-letter its messages.
  GRAPH_PROJECTION: z.enum(['on', 'off']).default('on'),
  WATERMARKS_REDIS_URL: envWatermarksUrl(urls.redis),
  /** Where to nudge the relay after an outbox write; empty: no nudges (the relay polls). */
  GRAPH_RELAY_URL: z.string().default(serviceUrl('graph-relay')),
});
export type GraphConfig = z.infer<typeof GraphConfig>;

export const RelayConfig = z.object({
  PORT: envPort(servicePorts['graph-relay']),
  ...neo4jSettings,
  // The relay is woken by the graph service after each outbox write; the idle poll is only a safety net.
  RELAY_POLL_MS: z.coerce.number().int().min(1).max(60_000).default(1000),
  RELAY_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
});
export type RelayConfig = z.infer<typeof RelayConfig>;
