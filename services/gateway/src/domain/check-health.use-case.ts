// GET /health: every service, both Redis instances and the Debezium connectors (users and posts
// are both captured from their store's log), asked in parallel with a short limit each, so one
// hung component costs 2 s, not the sum. 200 only when all of them are up. The graph outbox relay
// runs in the graph service, whose /health carries its backlog.
import { tracingHealth } from '@polyglot/platform/tracing';
import type { GatewayHealth } from '@polyglot/contracts/api';
import { basicAuthorization } from '@polyglot/contracts/endpoints';
import type { ProjectionHealth } from '@polyglot/contracts/health';
import type { ServiceName } from '@polyglot/contracts/services';
import { probeConnector, probeRedis, probeService, type ProbeBody } from '../data-access/health-probes.ts';
import type { GatewayDeps } from './gateway-deps.ts';

/** The Debezium connectors the stack registers in Kafka Connect (stack/src/engines/cdc-connectors.ts). */
const CONNECTOR_NAMES = ['users-cdc', 'posts-cdc'] as const;

export async function checkHealth(deps: Pick<GatewayDeps, 'config' | 'redis' | 'stateRedis'>): Promise<{ healthy: boolean; report: GatewayHealth }> {
  const { config } = deps;
  const targets: Array<[Exclude<ServiceName, 'gateway'>, string]> = [
    ['users', config.USERS_URL],
    ['posts', config.POSTS_URL],
    ['graph', config.GRAPH_URL],
    ['analytics', config.ANALYTICS_URL],
    ['projectors', config.PROJECTORS_URL],
  ];
  const authorization = basicAuthorization(config.CONNECT_USER, config.CONNECT_PASSWORD);
  const [probes, connectors, redis, redisState] = await Promise.all([
    Promise.all(targets.map(async ([name, url]) => [name, await probeService(url, config.INTERNAL_SECRET)] as const)),
    Promise.all(CONNECTOR_NAMES.map(async (name) => [name, await probeConnector(config.CONNECT_URL, authorization, name)] as const)),
    probeRedis(deps.redis),
    probeRedis(deps.stateRedis),
  ]);
  const services = Object.fromEntries(probes.map(([name, p]) => [name, p.body])) as GatewayHealth['services'];
  // Services put such figures at the top of their health body or among its checks.
  const field = (name: keyof GatewayHealth['services'], key: string): unknown => {
    const body = services[name] as ProbeBody | undefined;
    return body?.[key] ?? (body?.checks as ProbeBody | undefined)?.[key] ?? null;
  };
  const healthy = probes.every(([, p]) => p.up) && connectors.every(([, c]) => c.up) && redis.up && redisState.up;
  const connectorStates = Object.fromEntries(connectors.map(([name, c]) => [name, c.connector]));
  return {
    healthy,
    report: {
      status: healthy ? 'ok' : 'degraded',
      services,
      // redis: the cache; redisState: what must not be lost (sessions, watermarks, ...).
      stores: { redis: redis.redis, redisState: redisState.redis },
      pipeline: {
        // connector: users-cdc, the field clients of this shape already read; connectors: every one by name.
        connector: connectorStates['users-cdc']!,
        connectors: connectorStates,
        projections: {
          graph: field('graph', 'projection') as ProjectionHealth | null,
          analytics: field('analytics', 'projection') as ProjectionHealth | null,
          cache: field('projectors', 'projection') as ProjectionHealth | null,
          // The posts service's consumer of user deletions: pausable like the projections, so its lag is shown too
          // (absent when that consumer is switched off, so "every projection has lag 0" still means something).
          ...(field('posts', 'userCascade') ? { 'user-cascade': field('posts', 'userCascade') as ProjectionHealth } : {}),
        },
        // The relay's name, as in its dead letters' group.
        relays: { 'graph-relay': ((field('graph', 'relay') as ProbeBody | null)?.backlog as number | null | undefined) ?? null },
      },
      tracing: tracingHealth(),
    },
  };
}
