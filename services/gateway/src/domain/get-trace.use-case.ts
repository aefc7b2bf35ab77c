// GET /traces/:traceId (and GraphQL trace): one change's spans, read back from
// Jaeger. A trace that is not there yet is the usual case right after a write
// (spans are exported in batches), so its message says to try again.
import type { Trace } from '@polyglot/contracts/traces';
import { AppError } from '@polyglot/platform/errors';
import type { GatewayDeps } from './gateway-deps.ts';
import { normaliseTrace } from './normalise-trace.ts';

export async function getTrace(deps: Pick<GatewayDeps, 'jaeger'>, traceId: string): Promise<Trace> {
  const trace = normaliseTrace(traceId, await deps.jaeger.trace(traceId));
  if (trace) return trace;
  throw new AppError(
    'TRACE_NOT_FOUND',
    `Jaeger has no trace ${traceId}: it may not be exported yet (spans leave in batches about a second apart), it was not sampled (traceresponse flags 00), or it was evicted from Jaeger's bounded memory; try again in a second`,
    { traceId },
  );
}
