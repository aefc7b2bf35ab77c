// The web UI's own process (the stack's `ui` unit, :3000): serves the
// production build in ui/dist, nothing else. It proxies nothing: the page talks
// to the gateway (:4000) itself, GraphQL over HTTP and graphql-ws, and the
// gateway's CORS admits this origin. It lives in the gateway's package because
// the gateway is the UI's only counterpart (and owns @fastify/static).
//
// Files are looked up on every request, so a rebuild (`./stackctl up` builds
// when ui/dist is older than the sources) is served without a restart.
import { stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import { servicePorts } from '@polyglot/contracts/services';
import { envPort } from '@polyglot/platform/config';
import { AppError } from '@polyglot/platform/errors';
import { createHttpApp } from '@polyglot/platform/http-app';
import { createLogger, type Logger } from '@polyglot/platform/logger';
import { envAllowedHosts } from '@polyglot/platform/request-guards';
import { z } from 'zod';

export const UiConfig = z.object({
  PORT: envPort(servicePorts.ui),
  /** More host names the UI answers to besides 127.0.0.1:PORT and localhost:PORT (request-guards.ts). */
  ALLOWED_HOSTS: envAllowedHosts,
  /** The build to serve (vite's outDir). */
  UI_DIST: z.string().min(1).default(resolve(import.meta.dirname, '..', '..', '..', 'ui', 'dist')),
  /** Where the page finds the gateway; empty: the page's own host name on the gateway's port. */
  UI_GATEWAY_URL: z
    .string()
    .default('')
    .refine((v) => v === '' || /^https?:\/\/[^/]+/.test(v), 'UI_GATEWAY_URL must be an http:// URL or empty')
    .transform((v) => v.replace(/\/+$/, '')),
});
export type UiConfig = z.output<typeof UiConfig>;

const UiHealth = z.object({
  status: z.enum(['ok', 'degraded']),
  dist: z.string(),
  builtAt: z.string().nullable().describe('when ui/dist/index.html was written; null when there is no build'),
  error: z.string().optional(),
  code: z.string().optional(),
});

const UiRuntimeConfig = z.object({
  gatewayUrl: z.string().nullable().describe("the gateway's base URL; null: the page's host name on port 4000"),
  gatewayPort: z.number().int(),
});

async function fileAt(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

export interface RunningUi {
  port: number;
  stop(): Promise<void>;
}

export async function startUiServer(config: UiConfig, deps: { logger?: Logger } = {}): Promise<RunningUi> {
  const logger = deps.logger ?? createLogger('ui');
  const root = resolve(config.UI_DIST);
  const index = resolve(root, 'index.html');
  const notBuilt = () => new AppError('UI_NOT_BUILT', `the UI has no build in ${root}; run ./stackctl up (it builds the UI), or npm run build -w ui`);

  // Only GET routes here, so no Origin check is needed: the Host check stops a DNS-rebinding page reading the build.
  const app = createHttpApp({ logger, guards: { allowedHosts: config.ALLOWED_HOSTS } });
  // serve: false: only reply.sendFile; the route below decides what a path means (file, page, or 404).
  await app.register(fastifyStatic, { root, serve: false });

  app.get('/health', { schema: { summary: 'Whether there is a build to serve', response: { 200: UiHealth, 503: UiHealth } } }, async (_request, reply) => {
    try {
      const built = await stat(index);
      return reply.status(200).send({ status: 'ok', dist: root, builtAt: built.mtime.toISOString() });
    } catch {
      const error = notBuilt();
      return reply.status(503).send({ status: 'degraded', dist: root, builtAt: null, error: error.message, code: error.code });
    }
  });

  app.get('/config.json', { schema: { summary: 'Where the page finds the gateway', response: { 200: UiRuntimeConfig } } }, async (_request, reply) => {
    return reply.header('cache-control', 'no-cache').send({ gatewayUrl: config.UI_GATEWAY_URL || null, gatewayPort: servicePorts.gateway });
  });

  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    let path: string;
    try {
      path = decodeURIComponent(request.url.split('?')[0]!);
    } catch {
      throw new AppError('ROUTE_NOT_FOUND', 'the path is not valid percent-encoding');
    }
    const target = resolve(root, `.${path}`);
    const inside = target === root || target.startsWith(root + sep);
    if (inside && target !== root && (await fileAt(target))) {
      // Vite names assets by content hash: they never change under their name. The page itself must be revalidated.
      const immutable = path.startsWith('/assets/');
      return reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache').sendFile(target.slice(root.length + 1), { cacheControl: false });
    }
    // A path with a file extension names a file that is not there; anything else is a view of the single-page app.
    if (!inside || (extname(path) !== '' && extname(path) !== '.html')) {
      throw new AppError('ROUTE_NOT_FOUND', `no file ${path} in the UI's build; the page is at /`);
    }
    if (!(await fileAt(index))) throw notBuilt();
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').sendFile('index.html', { cacheControl: false });
  });

  await app.listen({ host: '127.0.0.1', port: config.PORT });
  const port = (app.server.address() as AddressInfo).port;
  logger.info({ port, dist: root, gatewayUrl: config.UI_GATEWAY_URL || '(the page\'s host, port 4000)' }, 'ui serving');
  return {
    port,
    async stop() {
      await app.close();
    },
  };
}
