// What TimescaleDB shows of one entity, as a source position: the consistency
// lab reads it right after a write to tell a fresh read from a stale one.
import { ErrorBody } from '@polyglot/contracts/api';
import { ShownPosition, ShownPositionParams } from '@polyglot/contracts/consistency';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { EventRepository } from '../data-access/event.repository.ts';

export function shownPositionRoutes(app: HttpApp, events: EventRepository): void {
  app.get(
    '/internal/positions/:source/:entityId',
    { schema: { summary: 'The highest source position of this entity recorded in events (the consistency lab)', params: ShownPositionParams, response: { 200: ShownPosition, 400: ErrorBody, 503: ErrorBody } } },
    async (request) => ({ position: await events.shownPosition(request.params.source, request.params.entityId) }),
  );
}
