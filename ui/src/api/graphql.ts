// Queries and mutations: GraphQL over HTTP to the gateway. Every failure
// becomes an ApiError with the gateway's stable code (extensions.code), or
// GATEWAY_UNREACHABLE / TIMEOUT when there was no answer at all, so every
// panel can say what went wrong and nothing waits forever.
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
  return body.data;
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
              : undefined;
    return { code: error.code, message: error.message, ...(hint ? { hint } : {}) };
  }
  return { code: 'ERROR', message: error instanceof Error ? error.message : String(error) };
}
