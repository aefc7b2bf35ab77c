// Shared by the gateway tests: boot the real services in-process (each on
// port 0, against the stack's real stores, without their Kafka consumers so
// they do not join the stack's consumer groups), then the gateway pointed at
// them. A service that does not start fails the test file with the reason:
// a test never passes by skipping.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { urls } from '@polyglot/contracts/endpoints';
import { internalHeaders } from '@polyglot/platform/internal-secret';
import { consumerGroups, PIPELINE_TOPICS, topics } from '@polyglot/contracts/topics';
import { deleteTestGroups, testGroupAtEnd } from '@polyglot/platform/test-fixtures/consumer-group';
import { start, type RunningGateway } from '../src/app.ts';
import { loadGatewayConfig } from '../src/config.ts';

/** Every email and name made here contains it, so leftovers can be found. */
export const RUN_TAG = `gw-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
let counter = 0;
export const unique = (prefix = 'u'): string => `${prefix}-${RUN_TAG}-${++counter}`;
export const uniqueEmail = (prefix = 'u'): string => `${unique(prefix.replace(/[^a-z0-9]+/gi, '').toLowerCase() || 'u')}@example.test`;

/** Nothing listens there (and fetch refuses the port): a service that is down. */
export const DOWN_URL = 'http://127.0.0.1:1';

type ServiceKey = 'users' | 'posts' | 'graph' | 'analytics' | 'projectors' | 'cacheProjection';

interface Running {
  port: number;
  stop(): Promise<void>;
}

type Env = Record<string, string>;
const silent = pino({ level: 'silent' });

// Each imported when first started, so a test file loads only the services it starts.
const boot = {
  users: async (env: Env) => (await import('@polyglot/users/app')).start((await import('@polyglot/users/config')).loadUsersConfig(env), { logger: silent }),
  posts: async (env: Env) => (await import('@polyglot/posts/app')).start((await import('@polyglot/posts/config')).loadPostsConfig(env), { logger: silent }),
  graph: async (env: Env) => (await import('@polyglot/graph/app')).start((await import('@polyglot/graph/config')).loadGraphConfig(env), { logger: silent }),
  analytics: async (env: Env) => (await import('@polyglot/analytics/app')).start((await import('@polyglot/analytics/config')).loadAnalyticsConfig(env), { logger: silent }),
  projectors: async (env: Env) => (await import('@polyglot/projectors/app')).start((await import('@polyglot/projectors/config')).loadProjectorsConfig(env), { logger: silent }),
} satisfies Record<string, (env: Env) => Promise<Running>>;

// Every service but the cache projection runs without its Kafka consumers (CONSUMERS=off), so none joins the stack's groups.
const SERVICES: Record<ServiceKey, { boot: (env: Env) => Promise<Running>; env: Env; groups?: Record<string, [string, readonly string[]]> }> = {
  users: { boot: boot.users, env: {} },
  posts: { boot: boot.posts, env: { CONSUMERS: 'off' } },
  // Without its outbox relay, which would publish the shared outbox beside the stack's.
  graph: { boot: boot.graph, env: { CONSUMERS: 'off', GRAPH_RELAY: 'off' } },
  analytics: { boot: boot.analytics, env: { CONSUMERS: 'off' } },
  projectors: { boot: boot.projectors, env: { CONSUMERS: 'off' } },
  // The cache projection, in a test group that starts at the end of the topics: lists and feeds are served from
  // the listings it keeps, and the stack's own projectors do not run while the component tests do.
  cacheProjection: { boot: boot.projectors, env: {}, groups: { CACHE_PROJECTION_GROUP: [consumerGroups.cacheProjector, PIPELINE_TOPICS], DEAD_LETTER_INDEX_GROUP: [consumerGroups.deadLetterIndex, [topics.deadLetters, topics.deadLetterReplays]] } },
};

async function startService(key: ServiceKey): Promise<Running> {
  const { boot: start, env: fixed, groups = {} } = SERVICES[key];
  const groupIds = Object.fromEntries(await Promise.all(Object.entries(groups).map(async ([name, [base, topicNames]]) => [name, await testGroupAtEnd(base, topicNames)] as const)));
  const running = await start({ PORT: '0', LOG_LEVEL: 'silent', ...fixed, ...groupIds });
  if (Object.keys(groupIds).length === 0) return running;
  return {
    port: running.port,
    async stop() {
      await running.stop();
      await deleteTestGroups(...Object.values(groupIds));
    },
  };
}

export interface Stack {
  url: string;
  gateway: RunningGateway;
  services: Partial<Record<ServiceKey, string>>;
  stop(): Promise<void>;
}

export async function startStack(options: { services?: ServiceKey[]; env?: Record<string, string> } = {}): Promise<Stack> {
  const wanted = options.services ?? (Object.keys(SERVICES) as ServiceKey[]);
  const running: Running[] = [];
  const services: Stack['services'] = {};
  const failed: string[] = [];
  await Promise.all(
    wanted.map(async (key) => {
      try {
        const r = await startService(key);
        running.push(r);
        services[key] = `http://127.0.0.1:${r.port}`;
      } catch (error) {
        failed.push(`the ${key} service did not start: ${(error as Error).message.split('\n')[0]}`);
      }
    }),
  );
  if (failed.length > 0) {
    await Promise.all(running.map((r) => r.stop()));
    throw new Error(`${failed.join('; ')} (is the stack's engine for it up? ./stackctl status)`);
  }
  const gateway = await startGateway({
    USERS_URL: services.users ?? DOWN_URL,
    POSTS_URL: services.posts ?? DOWN_URL,
    GRAPH_URL: services.graph ?? DOWN_URL,
    ANALYTICS_URL: services.analytics ?? DOWN_URL,
    PROJECTORS_URL: services.projectors ?? DOWN_URL,
    ...options.env,
  });
  return {
    url: `http://127.0.0.1:${gateway.port}`,
    gateway,
    services,
    async stop() {
      await gateway.stop();
      await Promise.all(running.map((r) => r.stop()));
    },
  };
}

export function startGateway(env: Record<string, string> = {}): Promise<RunningGateway> {
  return start(
    loadGatewayConfig({
      PORT: '0',
      LOG_LEVEL: 'silent',
      // The tests log in far more often than a person; the limits get their own test.
      LOGIN_MAX_PER_ADDRESS: '100000',
      ...env,
    }),
  );
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

/** To the gateway or straight to a service: it carries the internal secret, which the services require and the gateway's rate limit counts as the project's own (rate-limit.ts). */
export async function call(base: string, method: string, path: string, body?: unknown, options: { headers?: Record<string, string>; raw?: string } = {}): Promise<Answer> {
  const payload = options.raw ?? (body === undefined ? undefined : JSON.stringify(body));
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...internalHeaders(), ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
    body: payload,
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

/** A direct Redis connection, to look at and poke the cache as the projection would. */
export function redisClient(): Redis {
  return new Redis(urls.redis, { lazyConnect: false, maxRetriesPerRequest: 1 });
}

/** A direct connection to the state Redis: sessions, login counters, tombstones, generations, watermarks. */
export function stateRedisClient(): Redis {
  return new Redis(urls.redisState, { lazyConnect: false, maxRetriesPerRequest: 1 });
}

export async function keyspaceHits(redis: Redis): Promise<number> {
  const info = await redis.info('stats');
  return Number(/keyspace_hits:(\d+)/.exec(info)?.[1] ?? 0);
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
