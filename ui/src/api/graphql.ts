// Queries and mutations: GraphQL over HTTP to the gateway. Every failure
// becomes an ApiError with the gateway's stable code (extensions.code), or
// GATEWAY_UNREACHABLE / TIMEOUT when there was no answer at all, so every
// panel can say what went wrong and nothing waits forever.
import { sampledTraceId, TRACERESPONSE_HEADER } from '@polyglot/contracts/trace-context';
import { gateway } from './config.ts';
import type { Operation } from './operations.generated.ts';
import { session } from '../state/session.ts';

export class ApiError extends Error {
  readonly code: string;
  readonly extensions: Record<string, unknown>;
  constructor(code: string, message: string, extensions: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.extensions = extensions;
  }
}

export interface GqlOptions {
  /** Give up after this long (default 20 s); the lab and fault actions take longer. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

interface GqlResponse<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

/** Runs a query or mutation; its answer's type is the operation's (operations.generated.ts). */
export async function gql<T, V>(operation: Operation<T, V>, variables: V = {} as V, options: GqlOptions = {}): Promise<T> {
  return (await gqlAnswer(operation, variables, options)).data;
}

/**
 * A write, with the trace it started: the trace id of the gateway's traceresponse header, only when the
 * trace was sampled (flags 01; an unsampled one never reaches Jaeger), else null.
 */
export async function gqlWrite<T, V>(operation: Operation<T, V>, variables: V, options: GqlOptions = {}): Promise<{ data: T; traceId: string | null }> {
  const { data, headers } = await gqlAnswer(operation, variables, options);
  return { data, traceId: sampledTraceId(headers.get(TRACERESPONSE_HEADER)) };
}

/** The answer's data and its HTTP headers (the gateway exposes traceresponse and x-consistency-token to the page). */
async function gqlAnswer<T, V>(operation: Operation<T, V>, variables: V, options: GqlOptions): Promise<{ data: T; headers: Headers }> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const signals = [AbortSignal.timeout(timeoutMs), ...(options.signal ? [options.signal] : [])];
  const token = session.get()?.token;
  let response: Response;
  try {
    response = await fetch(`${gateway().http}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query: operation.text, variables }),
      signal: AbortSignal.any(signals),
    });
  } catch (error) {
    const e = error as Error;
    if (options.signal?.aborted) throw new ApiError('ABORTED', 'cancelled');
    if (e.name === 'TimeoutError') throw new ApiError('TIMEOUT', `the gateway did not answer within ${Math.round(timeoutMs / 1000)} s`);
    throw new ApiError('GATEWAY_UNREACHABLE', `the gateway at ${gateway().http} does not answer (./stackctl status; ./stackctl start gateway)`);
  }
  let body: GqlResponse<T>;
  try {
    body = (await response.json()) as GqlResponse<T>;
  } catch {
    throw new ApiError('BAD_RESPONSE', `the gateway answered ${response.status} without JSON`);
  }
  const first = body.errors?.[0];
  if (first) {
    const code = typeof first.extensions?.code === 'string' ? first.extensions.code : 'GRAPHQL_ERROR';
    throw new ApiError(code, first.message, first.extensions ?? {});
  }
  if (body.data === undefined || body.data === null) throw new ApiError('BAD_RESPONSE', `the gateway answered ${response.status} without data`);
  return { data: body.data, headers: response.headers };
}

/** What to tell a person about a failure: the gateway's message, plus a hint for the codes that need one. */
export function describeError(error: unknown): { code: string; message: string; hint?: string } {
  if (error instanceof ApiError) {
    const hint =
      error.code === 'UNAUTHENTICATED'
        ? 'Sign in (top right): this system runs with AUTH_REQUIRED.'
        : error.code === 'ADMIN_REQUIRED'
          ? 'Sign in as an admin: an operator makes a user one with ./stackctl admin grant EMAIL.'
          : error.code === 'STORE_UNAVAILABLE'
            ? 'A store or service is down; the Faults view can start it again.'
            : error.code === 'GATEWAY_UNREACHABLE'
              ? 'Start the system with ./stackctl up.'
              : error.code === 'TRACING_UNAVAILABLE'
                ? 'Jaeger keeps the traces: ./stackctl status jaeger says whether it runs; ./stackctl start jaeger starts it.'
                : undefined;
    return { code: error.code, message: error.message, ...(hint ? { hint } : {}) };
  }
  return { code: 'ERROR', message: error instanceof Error ? error.message : String(error) };
}
