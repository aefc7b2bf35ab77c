// GET /health: every service, both Redis instances and the Debezium connectors (users and posts
// are both captured from their store's log), asked in parallel with a short limit each, so one
// hung component costs 2 s, not the sum. 200 only when all of them are up. The graph outbox relay
// runs in the graph service, whose /health carries its backlog.
import type { GatewayHealth } from '@polyglot/contracts/api';
import { basicAuthorization } from '@polyglot/contracts/endpoints';
import type { ProjectionHealth } from '@polyglot/contracts/health';
import type { ServiceName } from '@polyglot/contracts/services';
import { internalHeaders } from '@polyglot/platform/internal-secret';
import type { GatewayDeps } from './gateway-deps.ts';

export const HEALTH_TIMEOUT_MS = 2000;
/** The Debezium connectors the stack registers in Kafka Connect (stack/src/engines/cdc-connectors.ts). */
export const CONNECTOR_NAMES = ['users-cdc', 'posts-cdc'] as const;

type Body = Record<string, unknown>;
interface Probe {
  up: boolean;
  body: Body;
}

function describe(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${HEALTH_TIMEOUT_MS} ms`;
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(error);
}

async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS), headers: { accept: 'application/json', ...headers } });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body };
}

async function probeService(baseUrl: string, secret: string): Promise<Probe> {
  try {
    const { status, body } = await getJson(`${baseUrl}/health`, internalHeaders(secret));
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return { up: false, body: { status: 'down', error: `/health answered ${status} without a JSON object` } };
    return { up: status === 200, body: body as Body };
  } catch (error) {
    return { up: false, body: { status: 'down', error: describe(error) } };
  }
}

type Connector = GatewayHealth['pipeline']['connector'];

async function probeConnector(connectUrl: string, authorization: string, name: string): Promise<{ up: boolean; connector: Connector }> {
  try {
    const { status, body } = await getJson(`${connectUrl}/connectors/${name}/status`, { authorization });
    const b = body as { connector?: { state?: string }; tasks?: Array<{ id?: number; state?: string; trace?: string }>; message?: string } | undefined;
    if (status === 404) return { up: false, connector: { state: 'MISSING', tasks: [], error: `Kafka Connect has no connector ${name}; ./stackctl up registers it` } };
    if (status === 401) return { up: false, connector: { state: 'UNKNOWN', tasks: [], error: 'Kafka Connect refuses the gateway\'s CONNECT_USER and CONNECT_PASSWORD (401); ./stackctl up gives the gateway the stack\'s own' } };
    if (status !== 200 || !b?.connector) return { up: false, connector: { state: 'UNKNOWN', tasks: [], error: b?.message ?? `Kafka Connect answered ${status}` } };
    const tasks = (b.tasks ?? []).map((t) => ({
      id: t.id ?? 0,
      state: t.state ?? 'UNKNOWN',
      // A failed task's trace is a Java stack; its first line says what happened.
      ...(t.trace ? { error: t.trace.split('\n')[0]! } : {}),
    }));
    const state = b.connector.state ?? 'UNKNOWN';
    return { up: state === 'RUNNING' && tasks.length > 0 && tasks.every((t) => t.state === 'RUNNING'), connector: { state, tasks } };
  } catch (error) {
    return { up: false, connector: { state: 'UNREACHABLE', tasks: [], error: `Kafka Connect: ${describe(error)}` } };
  }
}

async function probeRedis(client: GatewayDeps['redis']): Promise<{ up: boolean; redis: GatewayHealth['stores']['redis'] }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { name: 'TimeoutError' })), HEALTH_TIMEOUT_MS);
      }),
    ]);
    return { up: true, redis: { status: 'ok' } };
  } catch (error) {
    return { up: false, redis: { status: 'down', error: describe(error) } };
  } finally {
    clearTimeout(timer);
  }
}

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
    const body = services[name] as Body | undefined;
    return body?.[key] ?? (body?.checks as Body | undefined)?.[key] ?? null;
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
        // Named as before the relay moved into the graph service (and as its dead letters' group).
        relays: { 'graph-relay': ((field('graph', 'relay') as Body | null)?.backlog as number | null | undefined) ?? null },
      },
    },
  };
}
