// The gateway's environment, parsed once at start: a wrong value stops the
// process with a readable message instead of failing on the first request.
import { resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT } from '@polyglot/contracts/api';
import { endpoints, urls } from '@polyglot/contracts/endpoints';
import { UNIT_CONTROL_SOCKET } from '@polyglot/contracts/faults';
import { serviceUrl, servicePorts } from '@polyglot/contracts/services';
import { envFlag, envPort, loadConfig, type Fallback } from '@polyglot/platform/config';
import { envInternalSecret } from '@polyglot/platform/internal-secret';
import { envAllowedHosts } from '@polyglot/platform/request-guards';

/** A fallback that reads the stack's state (an address with a secret) is a function, read only when the setting is unset. */
const httpUrl = (fallback: Fallback) =>
  z
    .string()
    .regex(/^https?:\/\/[^/]+/, 'must be an http:// URL')
    // A trailing slash would double up with the paths the clients append.
    .transform((v) => v.replace(/\/+$/, ''))
    .default(typeof fallback === 'string' ? () => fallback : fallback);

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** on/off (also true/false, yes/no, 1/0), with a default for unset. */
const onOff = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const t = v?.trim().toLowerCase() ?? '';
      if (t === '') return fallback;
      if (['1', 'true', 'yes', 'on'].includes(t)) return true;
      if (['0', 'false', 'no', 'off'].includes(t)) return false;
      ctx.addIssue({ code: 'custom', message: `must be on or off, not "${v}"` });
      return z.NEVER;
    });

export const GatewayConfig = z.object({
  PORT: envPort(servicePorts.gateway),
  /** The cache: pages and profiles (may evict; /cache-status reports it). */
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'REDIS_URL must be a redis:// URL').default(() => urls.redis),
  /** State that must not be lost: sessions, login counters, tombstones, generations, watermarks, lab results (never evicts). */
  STATE_REDIS_URL: z.string().regex(/^rediss?:\/\//, 'STATE_REDIS_URL must be a redis:// URL').default(() => urls.redisState),
  /** A page bigger than this (serialised) is served but not cached. */
  PAGE_CACHE_MAX_BYTES: positiveInt(1024 * 1024),
  /** New pages cached per posts generation and page lifetime; beyond it pages are served uncached. */
  PAGE_CACHE_MAX_PAGES: positiveInt(500),
  /** How many rows GET /users and GET /relationships (and their GraphQL queries) answer at most without ?limit. */
  LIST_LIMIT: z.coerce.number().int().min(1).max(MAX_LIST_LIMIT).default(DEFAULT_LIST_LIMIT),
  USERS_URL: httpUrl(serviceUrl('users')),
  POSTS_URL: httpUrl(serviceUrl('posts')),
  GRAPH_URL: httpUrl(serviceUrl('graph')),
  ANALYTICS_URL: httpUrl(serviceUrl('analytics')),
  PROJECTORS_URL: httpUrl(serviceUrl('projectors')),
  CONNECT_URL: httpUrl(urls.connect),
  /** Jaeger's query API, where GET /traces/:traceId reads a trace back: its base, under Jaeger's path secret (the stack passes it). */
  JAEGER_QUERY_URL: httpUrl(() => urls.jaegerQuery),
  /** Kafka Connect's REST API takes basic authentication (the stack passes these; the default reads its state). */
  CONNECT_USER: z.string().min(1).default(endpoints.connect.user),
  CONNECT_PASSWORD: z.string().min(1).default(() => endpoints.connect.password),
  /** On: every write needs a session, and a session may change only its own user's data. */
  AUTH_REQUIRED: envFlag,
  SESSION_TTL_S: positiveInt(86_400),
  /**
   * The stack's unit control (its UNIX socket), asked to stop, start or kill units for /faults: the gateway
   * runs unprivileged and cannot itself. The stack passes it; the default is the socket in the stack's state
   * folder (the same rule as stack/src/paths.ts); "off" where the gateway must not drive the stack.
   */
  UNIT_CONTROL: z
    .string()
    .default(resolve(process.env.STACK_STATE_DIR ?? resolve(import.meta.dirname, '..', '..', '..', '.stack'), UNIT_CONTROL_SOCKET))
    .transform((v) => (['', 'off', 'false', 'no'].includes(v.trim().toLowerCase()) ? null : v.trim())),
  /**
   * The history checker's binary (stack/provision/history-checker), which judges each lab experiment's recorded
   * history. The stack builds it and passes its path; unset or "off": experiments answer without a verdict.
   */
  HISTORY_CHECKER: z
    .string()
    .default('')
    .transform((v) => (['', 'off', 'false', 'no'].includes(v.trim().toLowerCase()) ? null : v.trim())),
  /**
   * The pages (origins) that may call the gateway from a browser: CORS, and the only foreign origins whose
   * writes and WebSocket upgrades are accepted (request-guards.ts). Comma-separated scheme://host:port.
   */
  CORS_ORIGINS: z
    .string()
    .default('http://localhost:3000,http://127.0.0.1:3000')
    .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean)),
  /** More host names the gateway answers to besides 127.0.0.1:PORT and localhost:PORT (request-guards.ts). */
  ALLOWED_HOSTS: envAllowedHosts,
  /** Sent to the internal services in x-internal-secret (internal-secret.ts). */
  INTERNAL_SECRET: envInternalSecret,
  /** Login tries per window: per email (guessing one account's password) and per client address (trying many accounts). */
  LOGIN_MAX_PER_EMAIL: positiveInt(10),
  LOGIN_MAX_PER_ADDRESS: positiveInt(30),
  LOGIN_WINDOW_S: positiveInt(60),
  /**
   * Requests per RATE_LIMIT_WINDOW_S and client (a session, else an address), every route and WebSocket upgrade
   * counted (rate-limit.ts); 429 RATE_LIMITED past it. RATE_LIMIT=off switches it off.
   */
  RATE_LIMIT: onOff(true),
  RATE_LIMIT_MAX: positiveInt(1200),
  RATE_LIMIT_WINDOW_S: positiveInt(60),
  /** The same for the project's own processes (benches, tests: they send the internal secret); "off" (default): no limit. */
  RATE_LIMIT_INTERNAL_MAX: z
    .string()
    .default('off')
    .transform((v, ctx) => {
      if (['', 'off', 'none'].includes(v.trim().toLowerCase())) return null;
      const n = Number(v);
      if (Number.isSafeInteger(n) && n > 0) return n;
      ctx.addIssue({ code: 'custom', message: `RATE_LIMIT_INTERNAL_MAX is a number of requests or "off", not "${v}"` });
      return z.NEVER;
    }),
  /** One GraphQL operation's cost, aliases and root fields (graphql.cost.ts): 400 QUERY_TOO_COMPLEX past any of them. */
  GRAPHQL_MAX_COST: positiveInt(1000),
  GRAPHQL_MAX_ALIASES: positiveInt(50),
  GRAPHQL_MAX_ROOT_FIELDS: positiveInt(50),
  /** The UI (its server, ui-server.ts): GET /graphiql sends a browser to the GraphiQL bundled there. */
  UI_URL: httpUrl(serviceUrl('ui')),
  /** WebSockets (websocket-limits.ts): open per client address, and bytes waiting for a client before it is closed. */
  WS_MAX_PER_ADDRESS: positiveInt(50),
  WS_MAX_BUFFERED_BYTES: positiveInt(4 * 1024 * 1024),
  /** Seconds to receive a whole request (408 after), and of silence before a connection not being answered is closed. */
  REQUEST_TIMEOUT_S: positiveInt(30),
  CONNECTION_TIMEOUT_S: positiveInt(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type GatewayConfig = z.output<typeof GatewayConfig>;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return loadConfig('gateway', GatewayConfig, env);
}
