// Following a write after it answered: where its change is visible, and when
// it became so, per projection — once (GET) or live (WebSocket).
import { z } from 'zod';
import { formatToken, parseToken, PROJECTIONS, TokenText, type AppliedNotice, type ConsistencyToken } from '@polyglot/contracts/consistency';
import type { HttpApp } from '@polyglot/platform/http-app';
import { projectionsFor } from '../domain/consistency.use-case.ts';
import type { GatewayDeps } from '../domain/gateway-deps.ts';
import { bearer, errors, noSession } from './route-helpers.ts';
import { sessionOnly } from './session.hook.ts';

const tags = ['consistency'];

const ProjectionVisibility = z.object({
  applied: z.boolean().describe('the projection shows this change (or a later one of the same entity)'),
  appliedAt: z.iso.datetime().nullable(),
  visibleAfterMs: z.number().nullable().describe('milliseconds from the source commit until applied there'),
});

export const ChangeVisibility = z.object({
  token: z.string(),
  source: z.enum(['users', 'posts', 'graph']),
  entityId: z.string(),
  position: z.number().int(),
  committedAt: z.iso.datetime().nullable().describe('the source commit, as the projections reported it (null until one applied it)'),
  capturedAt: z.iso.datetime().nullable().describe('when Debezium read the change from the log (users, posts; null for follows, whose relay publishes at once)'),
  publishedAt: z.iso.datetime().nullable().describe('when Kafka took the change from Debezium (users, posts) or the graph relay (follows)'),
  complete: z.boolean().describe('every projection of this change shows it'),
  projections: z.partialRecord(z.enum(PROJECTIONS), ProjectionVisibility).describe("the projections this change goes to (a follow is born in Neo4j: not the graph projection)"),
});
export type ChangeVisibility = z.infer<typeof ChangeVisibility>;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export async function visibilityOf(deps: GatewayDeps, token: ConsistencyToken): Promise<ChangeVisibility> {
  const projections = projectionsFor(token);
  const seen = await deps.watermarks.visibility(token, projections);
  const entries = projections.map((p) => {
    const v = seen.projections[p]!;
    return [p, { applied: v.applied, appliedAt: iso(v.appliedAt), visibleAfterMs: v.visibleAfterMs }] as const;
  });
  return {
    token: formatToken(token),
    ...token,
    committedAt: iso(seen.committedAt),
    capturedAt: iso(seen.capturedAt),
    publishedAt: iso(seen.publishedAt),
    complete: entries.every(([, v]) => v.applied),
    projections: Object.fromEntries(entries),
  };
}

/** Needs @fastify/websocket registered on the app first (app.ts: one WebSocket server for this and /graphql). */
export async function registerConsistencyRoutes(app: HttpApp, deps: GatewayDeps): Promise<void> {
  app.get(
    '/consistency/:token',
    {
      schema: {
        tags,
        operationId: 'getChangeVisibility', security: noSession, summary: 'Where a write is visible: per projection, whether it applied the change and how long after the commit (live: the WebSocket ws://…/consistency/stream?token=)',
        params: z.object({ token: TokenText }),
        response: { 200: ChangeVisibility, ...errors(400, 503) },
      },
    },
    async (request) => visibilityOf(deps, parseToken(request.params.token)!),
  );

  // A WebSocket: with ?token=, the change's visibility now and at every projection that applies it
  // (closing once all did); without, every change every projection applies, as it happens.
  app.get(
    '/consistency/stream',
    {
      websocket: true,
      // Every change as it happens: with AUTH_REQUIRED on, the upgrade needs a session (Authorization header), else 401.
      onRequest: sessionOnly(deps),
      schema: {
        tags,
        summary: 'WebSocket: live visibility of one change (?token=) or of every change the projections apply (with AUTH_REQUIRED: a session)',
        security: bearer,
        querystring: z.object({ token: TokenText.optional() }),
      },
    },
    async (socket, request) => {
      const text = (request.query as { token?: string }).token;
      const token = text ? parseToken(text) : null;
      const send = (message: unknown) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
      };
      const mine = (n: AppliedNotice) => token !== null && n.source === token.source && n.entityId === token.entityId && n.position >= token.position;
      let finished = false;
      const report = async (): Promise<void> => {
        if (!token || finished) return;
        const state = await visibilityOf(deps, token).catch(() => null);
        if (!state) return;
        send({ type: 'visibility', ...state });
        if (state.complete) {
          finished = true;
          socket.close(1000, 'every projection shows the change');
        }
      };
      const unlisten = deps.watermarks.listen((notices) => {
        if (token) {
          if (notices.some(mine)) void report();
        } else {
          send({ type: 'applied', notices });
        }
      });
      socket.on('close', unlisten);
      socket.on('error', unlisten);
      // Heard before the first read: an announcement between the two cannot be missed.
      await deps.watermarks.listening();
      await report();
    },
  );
}
