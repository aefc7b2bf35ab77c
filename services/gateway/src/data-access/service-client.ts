// One HTTP call to an internal service, bounded in time. The services answer
// errors as {error, code}: a 4xx is the client's fault and passes through
// unchanged; a service that does not answer (refused, reset, timed out)
// becomes 503 STORE_UNAVAILABLE naming the service and the store behind it,
// so the client learns what is down rather than a bare 500.
import { ERROR_CODES, type ErrorCode } from '@polyglot/contracts/error-codes';
import { CONSISTENCY_TOKEN_HEADER } from '@polyglot/platform/consistency-token';
import { AppError } from '@polyglot/platform/errors';
import { httpRequest, type HttpAnswer } from '@polyglot/platform/http-request';
import { internalHeaders } from '@polyglot/platform/internal-secret';
import { inSpan, SpanKind, traceparentOf } from '@polyglot/platform/tracing';

export const SERVICE_TIMEOUT_MS = 5000;

/** A 4xx from a service, relayed with its status and body; createHttpApp's error handler sends {error, code}. */
export class UpstreamError extends Error {
  readonly statusCode: number;
  readonly code: string;
  constructor(statusCode: number, message: string, code: string) {
    super(message);
    this.name = 'UpstreamError';
    this.statusCode = statusCode;
    this.code = code;
  }
}

export interface ServiceResponse<T> {
  status: number;
  body: T;
  /** The write's consistency token (x-consistency-token), SOURCE:ENTITY:POSITION. */
  token: string | null;
}

export interface Written<T> {
  value: T;
  /** The write's consistency token, from the service that owns the source; null when nothing changed. */
  token: string | null;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  timeoutMs?: number;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

function isErrorBody(value: unknown): value is { error: string; code: string } {
  const v = value as { error?: unknown; code?: unknown } | null;
  return typeof v === 'object' && v !== null && typeof v.error === 'string' && typeof v.code === 'string';
}

function isKnownCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

export class ServiceClient {
  readonly name: string;
  readonly store: string;
  readonly baseUrl: string;
  /** Sent with every call: the internal services answer nothing else. */
  readonly #auth: Record<string, string>;

  constructor(name: string, store: string, baseUrl: string, secret: string) {
    this.name = name;
    this.store = store;
    this.baseUrl = baseUrl;
    this.#auth = internalHeaders(secret);
  }

  /** "the users service (PostgreSQL)" */
  get label(): string {
    return `the ${this.name} service (${this.store})`;
  }

  unavailable(cause?: unknown): AppError {
    const error = new AppError('STORE_UNAVAILABLE', `${this.label} is unavailable; try again shortly`, { service: this.name });
    if (cause !== undefined) error.cause = cause;
    return error;
  }

  async request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<ServiceResponse<T>> {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const hasBody = options.body !== undefined;
    const headers: Record<string, string> = { accept: 'application/json', ...this.#auth };
    if (hasBody) headers['content-type'] = 'application/json';
    let response: HttpAnswer;
    try {
      // Inside a traced request (a write), the call is a span of its own and the service continues from it.
      response = await inSpan(`${method} ${this.name}`, { kind: SpanKind.CLIENT, attributes: { 'http.request.method': method, 'server.address': url.host, 'url.path': url.pathname, 'peer.service': this.name } }, (span) => {
        const traceparent = span && traceparentOf(span);
        // The deadline covers the body: a service can die or stall halfway through one too.
        return httpRequest(url, {
          method,
          headers: traceparent ? { ...headers, traceparent } : headers,
          ...(hasBody ? { body: JSON.stringify(options.body) } : {}),
          timeoutMs: options.timeoutMs ?? SERVICE_TIMEOUT_MS,
        });
      });
    } catch (error) {
      throw this.unavailable(error);
    }
    let body: unknown = undefined;
    if (response.body.length > 0) {
      try {
        body = JSON.parse(response.body.toString('utf8'));
      } catch {
        body = undefined;
      }
    }
    if (response.status >= 400) throw this.toError(response.status, body);
    const token = response.headers[CONSISTENCY_TOKEN_HEADER];
    return { status: response.status, body: body as T, token: typeof token === 'string' ? token : null };
  }

  private toError(status: number, body: unknown): Error {
    const message = isErrorBody(body) ? body.error : `${this.label} answered ${status}`;
    // Not the client's fault: the gateway and the service were started with different secrets.
    if (isErrorBody(body) && body.code === 'INTERNAL_AUTH_REQUIRED') {
      return new AppError('INTERNAL_ERROR', `${this.label} refused the gateway's internal secret; restart both so they share the one in .stack/internal-secret (./stackctl stop ${this.name} gateway, then ./stackctl up)`, { service: this.name });
    }
    if (status < 500) return new UpstreamError(status, message, isErrorBody(body) ? body.code : status === 404 ? 'ROUTE_NOT_FOUND' : 'VALIDATION_FAILED');
    // 503 and 504 keep their meaning (a store behind the service is down or slow); anything else is the service's bug.
    if (isErrorBody(body) && isKnownCode(body.code) && ERROR_CODES[body.code].status === status) return new AppError(body.code, body.error, { service: this.name });
    if (status === 503) return this.unavailable();
    return new AppError('INTERNAL_ERROR', `${this.label} failed (${status}); its log has the details`, { service: this.name });
  }

  /**
   * A streamed answer, one line at a time (JSON lines), for listings too large to hold at once. The
   * stream pauses while the caller works on a line (backpressure reaches the service); a service that
   * sends nothing for idleMs is given up on.
   */
  async *lines(path: string, idleMs = SERVICE_TIMEOUT_MS): AsyncGenerator<string> {
    const abort = new AbortController();
    let idle = setTimeout(() => abort.abort(), idleMs);
    try {
      let response: Response;
      try {
        response = await fetch(this.baseUrl + path, { headers: { accept: 'application/x-ndjson', ...this.#auth }, signal: abort.signal });
      } catch (error) {
        throw this.unavailable(error);
      }
      if (response.status >= 400 || !response.body) throw this.toError(response.status, await response.json().catch(() => undefined));
      let pending = '';
      try {
        for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
          clearTimeout(idle);
          const parts = (pending + chunk).split('\n');
          pending = parts.pop()!;
          for (const line of parts) if (line.length > 0) yield line;
          idle = setTimeout(() => abort.abort(), idleMs);
        }
      } catch (error) {
        throw this.unavailable(error);
      }
      if (pending.length > 0) yield pending;
    } finally {
      clearTimeout(idle);
      abort.abort();
    }
  }

  get<T>(path: string, options?: RequestOptions): Promise<ServiceResponse<T>> {
    return this.request<T>('GET', path, options);
  }

  post<T>(path: string, body?: unknown, options?: RequestOptions): Promise<ServiceResponse<T>> {
    return this.request<T>('POST', path, { ...options, body });
  }

  put<T>(path: string, body: unknown, options?: RequestOptions): Promise<ServiceResponse<T>> {
    return this.request<T>('PUT', path, { ...options, body });
  }

  delete<T = undefined>(path: string, body?: unknown, options?: RequestOptions): Promise<ServiceResponse<T>> {
    return this.request<T>('DELETE', path, { ...options, body });
  }
}
