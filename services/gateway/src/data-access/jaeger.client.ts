// Jaeger's query API (its JSON API, the one its own UI reads): one trace by
// id. The services export their spans to Jaeger over OTLP; the gateway only
// reads them back, for GET /traces/:traceId. A short deadline: a trace is
// looked at by a person waiting for it, and Jaeger on loopback answers in
// milliseconds or not at all.
import { AppError } from '@polyglot/platform/errors';
import { httpRequest, type HttpAnswer } from '@polyglot/platform/http-request';

export const JAEGER_TIMEOUT_MS = 2000;

// What Jaeger answers, as far as the gateway reads it (jaeger-ui's model: microseconds since the epoch).

export interface JaegerTag {
  key: string;
  /** string, bool, int64, float64 or binary (base64 text). */
  type: string;
  value: unknown;
}

export interface JaegerReference {
  refType: 'CHILD_OF' | 'FOLLOWS_FROM';
  traceID: string;
  spanID: string;
}

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references?: JaegerReference[] | null;
  /** µs since the epoch */
  startTime: number;
  /** µs */
  duration: number;
  tags?: JaegerTag[] | null;
  processID: string;
}

export interface JaegerProcess {
  serviceName: string;
  tags?: JaegerTag[] | null;
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, JaegerProcess>;
}

function unavailable(origin: string, why: string, cause?: unknown): AppError {
  const error = new AppError('TRACING_UNAVAILABLE', `Jaeger (${origin}) ${why}; check ./stackctl status jaeger`);
  if (cause !== undefined) error.cause = cause;
  return error;
}

/** baseUrl: the query API's base, with Jaeger's path secret; an answer (an error's message) names only its origin. */
export function createJaegerClient(baseUrl: string, timeoutMs = JAEGER_TIMEOUT_MS) {
  // The path is the secret that keeps pages from reading traces (docs/engines.md#jaeger-traces): never in a message.
  const origin = new URL(baseUrl).origin;
  return {
    baseUrl,
    /** The trace's parts Jaeger holds (one, in practice), or [] when it holds none of it (404). */
    async trace(traceId: string): Promise<JaegerTrace[]> {
      const url = new URL(`${baseUrl}/api/traces/${encodeURIComponent(traceId)}`);
      let answer: HttpAnswer;
      try {
        answer = await httpRequest(url, { method: 'GET', headers: { accept: 'application/json' }, timeoutMs });
      } catch (error) {
        throw unavailable(origin, `does not answer (${(error as Error).message.replaceAll(baseUrl, origin)})`, error);
      }
      if (answer.status === 404) return [];
      let body: { data?: unknown; errors?: Array<{ msg?: string }> | null } | undefined;
      try {
        body = JSON.parse(answer.body.toString('utf8')) as typeof body;
      } catch {
        body = undefined;
      }
      if (answer.status !== 200) throw unavailable(origin, `answered ${answer.status}${body?.errors?.[0]?.msg ? ` (${body.errors[0].msg})` : ''}`);
      // Outside its API the query port answers a page, not JSON: that is where a wrong path secret leads.
      if (!body) throw unavailable(origin, "answered no JSON, as outside its API: is JAEGER_QUERY_URL's path this Jaeger's path secret? (./stackctl up passes the current one)");
      if (body.data !== null && !Array.isArray(body.data)) throw unavailable(origin, 'answered something that is not a trace');
      return ((body.data ?? []) as JaegerTrace[]).filter((t) => Array.isArray(t?.spans) && t.spans.length > 0);
    },
  };
}
export type JaegerClient = ReturnType<typeof createJaegerClient>;
