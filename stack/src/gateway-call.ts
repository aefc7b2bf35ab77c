// Calls to the running gateway from the command line (reconcile, dead-letters,
// fault, check). GATEWAY_URL and GATEWAY_TOKEN (an admin session, when
// AUTH_REQUIRED is on) say where and as whom. gatewayRequest answers whatever
// the gateway said (check reads a 404 or a 504 as data); gatewayCall makes a
// gateway that does not answer, or answers with an error, a StackError with
// exit code 3 ("no verdict").
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
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
  const payload = options.body !== undefined ? JSON.stringify(options.body) : undefined;
  try {
    const { status, text, headers: answered } = await send(method, `${base}${path}`, headers, payload, options.timeoutMs ?? CALL_TIMEOUT_MS);
    let body: T | null = null;
    try {
      body = text === '' ? null : (JSON.parse(text) as T);
    } catch {
      body = null;
    }
    return { status, body, headers: answered };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new GatewayUnreachableError(base, reason);
  }
}

/**
 * node:http, not fetch: fetch gives up on a response whose headers take more than 300 s, and a full check
 * at a million posts answers after several minutes. Here only `timeoutMs` bounds the whole call.
 */
function send(method: string, url: string, headers: Record<string, string>, payload: string | undefined, timeoutMs: number): Promise<{ status: number; text: string; headers: Headers }> {
  return new Promise((resolve, reject) => {
    const request = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, { method, headers: payload === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(payload)) }, signal: AbortSignal.timeout(timeoutMs) }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const answered = new Headers();
        for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) answered.set(name, Array.isArray(value) ? value.join(', ') : value);
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: answered });
      });
    });
    request.on('error', reject);
    request.end(payload);
  });
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
