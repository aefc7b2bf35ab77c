// The gateway's environment, parsed once at start: a wrong value stops the
// process with a readable message instead of failing on the first request.
import { resolve } from 'node:path';
import { z } from 'zod';
import { urls } from '@polyglot/contracts/endpoints';
import { serviceUrl, servicePorts } from '@polyglot/contracts/services';
import { envFlag, envPort, loadConfig } from '@polyglot/platform/config';

const httpUrl = (fallback: string) =>
  z
    .string()
    .regex(/^https?:\/\/[^/]+/, 'must be an http:// URL')
    // A trailing slash would double up with the paths the clients append.
    .transform((v) => v.replace(/\/+$/, ''))
    .default(fallback);

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const GatewayConfig = z.object({
  PORT: envPort(servicePorts.gateway),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'REDIS_URL must be a redis:// URL').default(urls.redis),
  USERS_URL: httpUrl(serviceUrl('users')),
  POSTS_URL: httpUrl(serviceUrl('posts')),
  GRAPH_URL: httpUrl(serviceUrl('graph')),
  ANALYTICS_URL: httpUrl(serviceUrl('analytics')),
  PROJECTORS_URL: httpUrl(serviceUrl('projectors')),
  POSTS_RELAY_URL: httpUrl(serviceUrl('posts-relay')),
  GRAPH_RELAY_URL: httpUrl(serviceUrl('graph-relay')),
  CONNECT_URL: httpUrl(urls.connect),
  /** On: every write needs a session, and a session may change only its own user's data. */
  AUTH_REQUIRED: envFlag,
  SESSION_TTL_S: positiveInt(86_400),
  /** Users whose sessions may use /faults (and the lab) when AUTH_REQUIRED is on: their emails, comma-separated. */
  ADMIN_EMAILS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((e) => e.trim().toLowerCase()).filter(Boolean)),
  /**
   * The stack's CLI (stack/src/cli.ts), run with this Node to stop, start or kill units for /faults.
   * Found from this file's place in the repository; "off" where the gateway must not drive the stack.
   */
  STACK_CLI: z
    .string()
    .default(resolve(import.meta.dirname, '..', '..', '..', 'stack', 'src', 'cli.ts'))
    .transform((v) => (['', 'off', 'false', 'no'].includes(v.trim().toLowerCase()) ? null : v.trim())),
  CORS_ORIGINS: z
    .string()
    .default('http://localhost:3000,http://127.0.0.1:3000')
    .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean)),
  /** Login tries per window: per email (guessing one account's password) and per client address (trying many accounts). */
  LOGIN_MAX_PER_EMAIL: positiveInt(10),
  LOGIN_MAX_PER_ADDRESS: positiveInt(30),
  LOGIN_WINDOW_S: positiveInt(60),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type GatewayConfig = z.output<typeof GatewayConfig>;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return loadConfig('gateway', GatewayConfig, env);
}
