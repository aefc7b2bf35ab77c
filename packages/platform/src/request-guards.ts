// Checks every HTTP server of the project runs before routing (createHttpApp
// registers them), so that listening on loopback is not an open door to any
// web page the person has open:
//
// - Host: only the names this server is configured for (127.0.0.1:PORT and
//   localhost:PORT, PORT being the one the request arrived on, plus
//   ALLOWED_HOSTS). A DNS-rebinding page reaches 127.0.0.1 under its own name,
//   so its requests carry that name and are refused (403 HOST_NOT_ALLOWED).
// - Origin (where allowedOrigins is given: the gateway): a request that can
//   change something (not GET, HEAD or OPTIONS) or opens a WebSocket, with an
//   Origin that is neither an allowed one nor this server's own, is refused
//   (403 ORIGIN_NOT_ALLOWED) before any handler runs. A body-less POST needs
//   no CORS preflight, so CORS alone lets a foreign page's request through; the
//   browser always sends Origin on it. No Origin: not a browser, allowed.
//   "Origin: null" (sandboxed frames, file://) is never allowed.
// - x-internal-secret (where internalSecret is given: the internal services):
//   without it, 401 INTERNAL_AUTH_REQUIRED, /health included.
//
// @fastify/websocket dispatches an upgrade through the router, so these hooks
// run for WebSocket upgrades too, and a refusal is an HTTP answer on the socket.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '@polyglot/contracts/error-codes';
import { INTERNAL_SECRET_HEADER, isInternalSecret } from './internal-secret.ts';

export interface RequestGuardOptions {
  /** Accepted besides 127.0.0.1:PORT and localhost:PORT: "name" (any port) or "name:port" (ALLOWED_HOSTS). */
  allowedHosts?: readonly string[];
  /** Turns the Origin check on: the origins whose pages may write and open WebSockets (the gateway's CORS_ORIGINS). */
  allowedOrigins?: readonly string[];
  /** Turns the secret check on: every request must carry it in x-internal-secret. */
  internalSecret?: string;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost'];
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

interface HostName {
  name: string;
  port: string | null;
}

/** "name", "name:port", "[v6]" or "[v6]:port" → its parts, lower-case; null when it is none of those. */
export function parseHost(value: string): HostName | null {
  const v = value.trim().toLowerCase();
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/.exec(v);
  if (!match) return null;
  return { name: match[1]!, port: match[2] ?? null };
}

/** ALLOWED_HOSTS: comma-separated "name" or "name:port"; empty by default. */
export const envAllowedHosts = z
  .string()
  .default('')
  .transform((value, ctx) => {
    const entries = value.split(',').map((e) => e.trim()).filter(Boolean);
    for (const entry of entries) {
      if (!parseHost(entry)) ctx.addIssue({ code: 'custom', message: `ALLOWED_HOSTS: "${entry}" is not a host name or host:port (no scheme, no path), e.g. myhost.local:4000` });
    }
    return entries.map((e) => e.toLowerCase());
  });

const normaliseOrigin = (origin: string): string => origin.trim().toLowerCase().replace(/\/+$/, '');

const shown = (value: string): string => JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);

export function registerRequestGuards(app: FastifyInstance<any, any, any, any, any>, options: RequestGuardOptions): void {
  const extraHosts = (options.allowedHosts ?? []).map(parseHost).filter((h): h is HostName => h !== null);
  const origins = options.allowedOrigins ? new Set(options.allowedOrigins.map(normaliseOrigin).filter((o) => o !== 'null')) : null;
  const secret = options.internalSecret;

  // The port the request came in on: tests listen on port 0, and a server may be reached through more than one.
  const portOf = (request: FastifyRequest): string => {
    const local = request.raw.socket?.localPort;
    if (local !== undefined) return String(local);
    const address = app.server.address();
    return typeof address === 'object' && address !== null ? String(address.port) : '';
  };

  const hostAllowed = (host: HostName, port: string): boolean =>
    (LOOPBACK_NAMES.includes(host.name) && host.port === port) || extraHosts.some((h) => h.name === host.name && (h.port === null || h.port === host.port));

  // Answered here, not thrown: a route's own error handler (GraphQL's) would reshape it, and every refusal has one shape.
  const refuse = (request: FastifyRequest, reply: FastifyReply, code: ErrorCode, error: string): FastifyReply => {
    request.log.info({ code, method: request.method, url: request.url, host: request.headers.host, origin: request.headers.origin }, 'request refused');
    return reply.status(ERROR_CODES[code].status).send({ error, code });
  };

  app.addHook('onRequest', async (request, reply) => {
    const upgrade = request.headers.upgrade !== undefined;
    // An upgrade's socket belongs to its route; one answered over HTTP instead (refused here or by a later hook
    // that runs before @fastify/websocket's) must be closed after the answer, or it stays open and blocks close().
    if (upgrade) reply.raw.once('finish', () => request.raw.socket?.end());

    const port = portOf(request);
    const rawHost = request.headers.host ?? '';
    const host = parseHost(rawHost);
    if (!host || !hostAllowed(host, port)) {
      const names = [...LOOPBACK_NAMES.map((n) => `${n}:${port}`), ...(options.allowedHosts ?? [])].join(', ');
      return refuse(
        request,
        reply,
        'HOST_NOT_ALLOWED',
        `this server answers only to the host names ${names}, not ${rawHost === '' ? 'a request without Host' : shown(rawHost)}; to reach it under another name, add that name (name or name:port) to ALLOWED_HOSTS, comma-separated, and restart it`,
      );
    }

    if (origins) {
      const origin = request.headers.origin;
      if (origin !== undefined && (upgrade || !SAFE_METHODS.has(request.method))) {
        const o = normaliseOrigin(origin);
        // A page this server itself served (/docs) is same-origin, under whichever allowed name it was opened.
        const own = o === `http://${rawHost.trim().toLowerCase()}`;
        if (!own && !origins.has(o)) {
          return refuse(
            request,
            reply,
            'ORIGIN_NOT_ALLOWED',
            `a page on ${shown(origin)} may not ${upgrade ? 'open a WebSocket' : `send ${request.method}`} here (allowed: ${[...origins].join(', ') || 'none'}); to allow that page, add its origin to CORS_ORIGINS and restart the gateway`,
          );
        }
      }
    }

    if (secret !== undefined && !isInternalSecret(request.headers[INTERNAL_SECRET_HEADER], secret)) {
      return refuse(
        request,
        reply,
        'INTERNAL_AUTH_REQUIRED',
        `this is an internal service: only the project's own processes call it, with the ${INTERNAL_SECRET_HEADER} header (INTERNAL_SECRET; ./stackctl up keeps it in .stack/internal-secret); use the gateway on :4000 instead`,
      );
    }
  });
}
