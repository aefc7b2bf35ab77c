// The history checker's read of Neo4j (POST /internal/observations), for the
// gateway's POST /lab/observations: internal, the gateway does not expose it.
import { ErrorBody } from '@polyglot/contracts/api';
import { ObservationRequest, StoreObservations } from '@polyglot/contracts/observations';
import type { HttpApp } from '@polyglot/platform/http-app';
import { observeGraph, type GraphObserver } from '../domain/observe-graph.use-case.ts';

export function registerObservationRoutes(app: HttpApp, reader: GraphObserver): void {
  app.post(
    '/internal/observations',
    { schema: { summary: 'What the graph shows of these users or follows, as source positions (the history checker)', body: ObservationRequest, response: { 200: StoreObservations, 400: ErrorBody, 503: ErrorBody } } },
    async (request) => observeGraph(reader, request.body),
  );
}
