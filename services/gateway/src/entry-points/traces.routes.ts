// Reading one change's trace back: every span the services exported to Jaeger
// for it, from the gateway's request to each projection's apply. A public
// read, like GET /consistency/:token: the trace id (128 random bits) is the
// key, and a trace holds ids and timings, not what was written.
import { Trace, TraceIdParam } from '@polyglot/contracts/traces';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { GatewayDeps } from '../domain/gateway-deps.ts';
import { getTrace } from '../domain/get-trace.use-case.ts';
import { errors, noSession } from './route-helpers.ts';

const tags = ['traces'];

export function registerTraceRoutes(app: HttpApp, deps: GatewayDeps): void {
  app.get(
    '/traces/:traceId',
    {
      schema: {
        tags,
        operationId: 'getTrace',
        security: noSession,
        summary: "One trace, span by span, as Jaeger holds it: the trace id is in the traceresponse header of the gateway's answer to a write (flags 01: sampled)",
        description:
          "Spans are exported in batches about a second apart, so right after a write the trace may be missing (404 TRACE_NOT_FOUND) or still growing: ask again. An unsampled trace (traceresponse flags 00) never exists. Jaeger keeps a bounded number of traces in memory; old ones are evicted.",
        params: TraceIdParam,
        response: { 200: Trace, ...errors(400, 404, 503) },
      },
    },
    async (request) => getTrace(deps, request.params.traceId),
  );
}
