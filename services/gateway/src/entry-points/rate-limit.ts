// Requests per window and client, for every route (REST, GraphQL, docs, and
// each WebSocket upgrade), counted in Redis so that every gateway process
// shares the counts. Everything here comes from 127.0.0.1, so "client" is:
//
// - the project's own processes (the benches, the tests, the stack), known by
//   the stack's internal secret: their own limit, RATE_LIMIT_INTERNAL_MAX (none
//   by default), so a limit never throttles a benchmark or a test run silently;
// - else a valid session (its bearer token, hashed): each signed-in person;
// - else the client's address.
//
// A request past the limit gets 429 RATE_LIMITED with retry-after. The counters
// are kept per policy (window and limit), so gateways run with other limits
// (a test's, say) never spend a shared counter. The login limits
// (login-attempts.store.ts) still apply on top of this one.
import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { AppError } from '@polyglot/platform/errors';
import type { HttpApp } from '@polyglot/platform/http-app';
import { INTERNAL_SECRET_HEADER, isInternalSecret } from '@polyglot/platform/internal-secret';
import type { GatewayConfig } from '../config.ts';
import type { SessionStore } from '../data-access/session.store.ts';
import { bearerToken } from '../domain/sessions.use-case.ts';
import { errors } from './route-helpers.ts';

/** The limit in force, on every limited answer: "LIMIT;w=WINDOW_S" (as the IETF RateLimit-Policy field). */
export const POLICY_HEADER = 'ratelimit-policy';
export const RATE_LIMIT_PREFIX = 'rate-limit:';

type Client = { kind: 'internal' | 'session' | 'address'; id: string };

const digest = (value: string): string => createHash('sha256').update(`rate-limit\0${value}`).digest('base64url').slice(0, 22);

export interface RateLimitDeps {
  config: GatewayConfig;
  /** Where the counters live (the state instance: filling the cache must not reset them). */
  redis: Redis;
  sessions: Pick<SessionStore, 'userId'>;
}

export async function registerRateLimit(app: HttpApp, deps: RateLimitDeps): Promise<void> {
  const { config } = deps;
  if (!config.RATE_LIMIT) return;
  const windowS = config.RATE_LIMIT_WINDOW_S;
  const internalMax = config.RATE_LIMIT_INTERNAL_MAX;
  const clients = new WeakMap<FastifyRequest, Client>();

  const clientOf = async (request: FastifyRequest): Promise<Client> => {
    const known = clients.get(request);
    if (known) return known;
    let client: Client = { kind: 'address', id: request.ip };
    if (isInternalSecret(request.headers[INTERNAL_SECRET_HEADER], config.INTERNAL_SECRET)) {
      client = { kind: 'internal', id: 'stack' };
    } else {
      const token = bearerToken(request.headers.authorization);
      // Only a session that exists: made-up tokens must not each get a fresh counter.
      const userId = token === null ? null : await deps.sessions.userId(token).catch(() => null);
      if (token !== null && userId !== null) client = { kind: 'session', id: digest(token) };
    }
    clients.set(request, client);
    return client;
  };
  const maxOf = (client: Client): number => (client.kind === 'internal' ? (internalMax ?? Number.POSITIVE_INFINITY) : config.RATE_LIMIT_MAX);

  await app.register(rateLimit, {
    redis: deps.redis,
    nameSpace: `${RATE_LIMIT_PREFIX}${windowS}s:`,
    timeWindow: windowS * 1000,
    keyGenerator: async (request) => {
      const client = await clientOf(request);
      return `${maxOf(client)}:${client.kind}:${client.id}`;
    },
    allowList: async (request) => maxOf(await clientOf(request)) === Number.POSITIVE_INFINITY,
    max: async (request) => maxOf(await clientOf(request)),
    // Redis away: serve rather than refuse everyone (the gateway degrades, it does not stop).
    skipOnError: true,
    errorResponseBuilder: (request, context) => {
      const client = clients.get(request);
      const who = client?.kind === 'session' ? 'this session' : client?.kind === 'internal' ? "the stack's own processes" : `the address ${request.ip}`;
      return new AppError(
        'RATE_LIMITED',
        `too many requests: ${who} may make ${context.max} per ${windowS} s; try again in ${context.after} (retry-after)`,
      );
    },
  });

  // Every route registered after this one can answer 429: documented on each (a route that lists its own 429, for
  // the login limits, keeps its description). Routes kept out of the document are left as they are.
  app.addHook('onRoute', (route) => {
    const schema = route.schema as { hide?: boolean; response?: Record<string, unknown> } | undefined;
    if (schema === undefined || schema.hide || route.websocket) return;
    schema.response = { ...errors(429), ...schema.response };
  });

  // Says which limit applies, so a client (a benchmark, say) can tell before it meets it.
  app.addHook('onSend', async (request, reply) => {
    const client = clients.get(request);
    if (client && maxOf(client) !== Number.POSITIVE_INFINITY) reply.header(POLICY_HEADER, `${maxOf(client)};w=${windowS}`);
  });
}
