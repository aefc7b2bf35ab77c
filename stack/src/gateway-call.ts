// Calls to the running gateway from the command line (reconcile, dead-letters,
// fault, check). GATEWAY_URL and GATEWAY_TOKEN (an admin session, when
// AUTH_REQUIRED is on) say where and as whom. gatewayRequest answers whatever
// the gateway said (check reads a 404 or a 504 as data); gatewayCall makes a
// gateway that does not answer, or answers with an error, a StackError with
// exit code 3 ("no verdict").
import { HOST } from '@polyglot/contracts/endpoints';
import { servicePorts } from '@polyglot/contracts/services';
import { findInternalSecret, internalHeaders } from '@polyglot/platform/internal-secret';
import { StackError, type StackErrorCode } from './errors.ts';

/** Exit code when no verdict could be reached: distinct from 1 ("drift remains", "dead letters remain"). */
export const CANNOT_CHECK = 3;

/** A full check reads every entity of every store (and a repair compares twice): many minutes at a million posts. */
const CALL_TIMEOUT_MS = 3_600_000;

/** GATEWAY_URL, else the stack's own gateway. */
export function gatewayBase(): string {
  return (process.env.GATEWAY_URL ?? `http://${HOST}:${servicePorts.gateway}`).replace(/\/+$/, '');
}

/** No answer came: the gateway is down, refused the connection, or did not answer in time. */
export class GatewayUnreachableError extends Error {
  override name = 'GatewayUnreachableError';
  readonly reason: string;
  constructor(base: string, reason: string) {
    super(`the gateway at ${base} does not answer (${reason})`);
    this.reason = reason;
  }
}

export interface GatewayAnswer<T> {
  status: number;
  /** The JSON body; null when there is none or it is not JSON. */
  body: T | null;
  headers: Headers;
}

export interface GatewayRequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /**
   * Send the stack's internal secret, as the project's own processes do: the gateway's rate limit, meant for
   * browsers, does not count them (a load such as ./stackctl check's would be refused otherwise).
   */
  internal?: boolean;
}

/** One request to the gateway and its answer, whatever the status; GatewayUnreachableError when none came. */
export async function gatewayRequest<T>(method: string, path: string, options: GatewayRequestOptions = {}): Promise<GatewayAnswer<T>> {
  const base = gatewayBase();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (process.env.GATEWAY_TOKEN) headers.authorization = `Bearer ${process.env.GATEWAY_TOKEN}`;
  if (options.internal) {
    const secret = findInternalSecret();
    if (secret !== undefined) Object.assign(headers, internalHeaders(secret));
  }
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  Object.assign(headers, options.headers);
  try {
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      signal: AbortSignal.timeout(options.timeoutMs ?? CALL_TIMEOUT_MS),
    });
    const text = await response.text();
    let body: T | null = null;
    try {
      body = text === '' ? null : (JSON.parse(text) as T);
    } catch {
      body = null;
    }
    return { status: response.status, body, headers: response.headers };
  } catch (error) {
    const reason = (error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new GatewayUnreachableError(base, reason);
  }
}

export async function gatewayCall<T>(method: 'GET' | 'POST', path: string, options: { body?: unknown; failureCode: StackErrorCode }): Promise<T> {
  let answer: GatewayAnswer<T & { error?: string; code?: string }>;
  try {
    // A repair waits for the pipeline and compares twice: minutes on a very large or busy system.
    answer = await gatewayRequest<T & { error?: string; code?: string }>(method, path, { body: options.body, timeoutMs: CALL_TIMEOUT_MS });
  } catch (error) {
    if (!(error instanceof GatewayUnreachableError)) throw error;
    throw new StackError('GATEWAY_UNAVAILABLE', `${error.message}; is the system up? (./stackctl status, ./stackctl up)`, { exitCode: CANNOT_CHECK });
  }
  const { status, body } = answer;
  if (status < 200 || status >= 300 || body === null) {
    const hint = status === 401 || status === 403 ? ' (set GATEWAY_TOKEN to an admin session token from POST /auth/login)' : '';
    throw new StackError(options.failureCode, `${method} ${path}: ${status} ${body?.code ?? ''} ${body?.error ?? ''}${hint}`.replace(/\s+/g, ' ').trim(), { exitCode: CANNOT_CHECK });
  }
  return body;
}
