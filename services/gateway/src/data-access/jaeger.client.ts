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

function unavailable(baseUrl: string, why: string, cause?: unknown): AppError {
  const error = new AppError('TRACING_UNAVAILABLE', `Jaeger (${baseUrl}) ${why}; check ./stackctl status jaeger`);
  if (cause !== undefined) error.cause = cause;
  return error;
}

export function createJaegerClient(baseUrl: string, timeoutMs = JAEGER_TIMEOUT_MS) {
  return {
    baseUrl,
    /** The trace's parts Jaeger holds (one, in practice), or [] when it holds none of it (404). */
    async trace(traceId: string): Promise<JaegerTrace[]> {
      const url = new URL(`${baseUrl}/api/traces/${encodeURIComponent(traceId)}`);
      let answer: HttpAnswer;
      try {
        answer = await httpRequest(url, { method: 'GET', headers: { accept: 'application/json' }, timeoutMs });
      } catch (error) {
        throw unavailable(baseUrl, `does not answer (${(error as Error).message})`, error);
      }
      if (answer.status === 404) return [];
      let body: { data?: unknown; errors?: Array<{ msg?: string }> | null } | undefined;
      try {
        body = JSON.parse(answer.body.toString('utf8')) as typeof body;
      } catch {
        body = undefined;
      }
      if (answer.status !== 200) throw unavailable(baseUrl, `answered ${answer.status}${body?.errors?.[0]?.msg ? ` (${body.errors[0].msg})` : ''}`);
      if (!body || (body.data !== null && !Array.isArray(body.data))) throw unavailable(baseUrl, 'answered something that is not a trace');
      return ((body.data ?? []) as JaegerTrace[]).filter((t) => Array.isArray(t?.spans) && t.spans.length > 0);
    },
  };
}
export type JaegerClient = ReturnType<typeof createJaegerClient>;
