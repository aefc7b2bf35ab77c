// What the graph shows of one entity, as a source position: the consistency
// lab reads it right after a write to tell a fresh read from a stale one.
import { z } from 'zod';
import { ShownPosition, ShownPositionParams } from '@polyglot/contracts/consistency';
import { ErrorBody } from '@polyglot/contracts/api';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { ShownPositionReader } from '../data-access/shown-position.reader.ts';

const Params = ShownPositionParams.extend({ source: z.enum(['users', 'posts']) });

export function registerShownPositionRoutes(app: HttpApp, reader: ShownPositionReader): void {
  app.get(
    '/internal/positions/:source/:entityId',
    { schema: { summary: 'The source position of this entity the graph shows (the consistency lab)', params: Params, response: { 200: ShownPosition, 400: ErrorBody, 503: ErrorBody } } },
    async (request) => ({ position: await reader.position(request.params.source, request.params.entityId) }),
  );
}
