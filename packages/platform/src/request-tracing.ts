// The server span of an HTTP request, registered by createHttpApp for every
// service. A request is traced when it continues a trace (a valid incoming
// traceparent: the gateway's call to a service, or a client that asks) or when
// it starts a change (a write: not GET, HEAD or OPTIONS; at /graphql, a
// mutation). Reads and probes start no trace: tens of thousands of reads a
// second would cost CPU and crowd the writes out of Jaeger's bounded memory.
//
// The span is started once the body is parsed (preHandler), and the handler
// runs inside it, so every span the handler makes (a store write, a call to a
// service) is its child. The answer carries `traceresponse` (W3C Trace Context
// level 2) so a client can find the trace of its write.
import { context, ROOT_CONTEXT, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { contextOf, ensureTraceContext, SpanKind, traceparentOf, tracer } from './tracing.ts';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
const spans = new WeakMap<FastifyRequest, Span>();

/** Strips GraphQL comments and strings, then looks for a mutation among the operations. */
function isGraphqlMutation(body: unknown): boolean {
  const query = (body as { query?: unknown } | null)?.query;
  if (typeof query !== 'string') return false;
  const code = query.replace(/"""[\s\S]*?"""|"(?:[^"\\]|\\.)*"|#[^\n]*/g, '');
  return /(^|\})\s*mutation\b/.test(code);
}

function startsAChange(request: FastifyRequest): boolean {
  if (READS.has(request.method)) return false;
  if (request.routeOptions.url === '/graphql') return isGraphqlMutation(request.body);
  return true;
}

// Any Fastify instance, whatever its logger and type provider: only hooks are added.
export function registerRequestTracing(app: FastifyInstance<any, any, any, any, any>): void {
  ensureTraceContext();
  app.addHook('preHandler', (request, _reply, done) => {
    const remote = contextOf(request.headers.traceparent);
    if (!remote && !startsAChange(request)) return done();
    const route = request.routeOptions.url ?? request.url.split('?')[0]!;
    const graphql = route === '/graphql' ? { 'graphql.operation.type': isGraphqlMutation(request.body) ? 'mutation' : 'query' } : {};
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': route, 'url.path': request.url.split('?')[0]!, ...graphql } },
      remote ?? ROOT_CONTEXT,
    );
    spans.set(request, span);
    context.with(trace.setSpan(remote ?? ROOT_CONTEXT, span), done);
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    const span = spans.get(request);
    const traceparent = span && traceparentOf(span);
    if (traceparent) reply.header('traceresponse', traceparent);
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    const span = spans.get(request);
    if (span) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      spans.delete(request);
    }
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    const span = spans.get(request);
    if (span) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client went away' });
      span.end();
      spans.delete(request);
    }
    done();
  });
}
