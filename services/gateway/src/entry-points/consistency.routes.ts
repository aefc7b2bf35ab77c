// Following a write after it answered: where its change is visible, and when
// it became so, per projection — once (GET) or live (WebSocket).
import { z } from 'zod';
import { parseToken, TokenText, type AppliedNotice } from '@polyglot/contracts/consistency';
import type { HttpApp } from '@polyglot/platform/http-app';
import { ChangeVisibility, visibilityOf } from '../domain/consistency.use-case.ts';
import type { GatewayDeps } from '../domain/gateway-deps.ts';
import { bearer, errors, noSession } from './route-helpers.ts';
import { sessionOnly } from './session.hook.ts';

const tags = ['consistency'];

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
