// The history checker's read of TimescaleDB (POST /internal/observations), for
// the gateway's POST /lab/observations: internal, the gateway does not expose it.
import { ErrorBody } from '@polyglot/contracts/api';
import { ObservationRequest, StoreObservations } from '@polyglot/contracts/observations';
import type { HttpApp } from '@polyglot/platform/http-app';
import { observeEvents, type LatestEvents } from '../domain/observe-events.use-case.ts';

export function observationRoutes(app: HttpApp, events: LatestEvents): void {
  app.post(
    '/internal/observations',
    { schema: { summary: 'The latest event of each of these entities, as its source position (the history checker)', body: ObservationRequest, response: { 200: StoreObservations, 400: ErrorBody, 503: ErrorBody } } },
    async (request) => observeEvents(events, request.body),
  );
}
