// One call to the running gateway from the command line (reconcile,
// dead-letters). GATEWAY_URL and GATEWAY_TOKEN (an admin session, when
// AUTH_REQUIRED is on) say where and as whom. A gateway that does not answer,
// or answers with an error, is a StackError with exit code 3 ("no verdict").
import { HOST } from '@polyglot/contracts/endpoints';
import { servicePorts } from '@polyglot/contracts/services';
import { StackError, type StackErrorCode } from './errors.ts';

/** Exit code when no verdict could be reached: distinct from 1 ("drift remains", "dead letters remain"). */
export const CANNOT_CHECK = 3;

/** A full check reads every entity of every store (and a repair compares twice): many minutes at a million posts. */
const CALL_TIMEOUT_MS = 3_600_000;

/** GATEWAY_URL, else the stack's own gateway. */
export function gatewayBase(): string {
  return (process.env.GATEWAY_URL ?? `http://${HOST}:${servicePorts.gateway}`).replace(/\/+$/, '');
}

export async function gatewayCall<T>(method: 'GET' | 'POST', path: string, options: { body?: unknown; failureCode: StackErrorCode }): Promise<T> {
  const base = gatewayBase();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (process.env.GATEWAY_TOKEN) headers.authorization = `Bearer ${process.env.GATEWAY_TOKEN}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    // A repair waits for the pipeline and compares twice: minutes on a very large or busy system.
    response = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
  } catch (error) {
    const reason = (error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new StackError('GATEWAY_UNAVAILABLE', `the gateway at ${base} does not answer (${reason}); is the system up? (./stackctl status, ./stackctl up)`, { exitCode: CANNOT_CHECK });
  }
  const body = (await response.json().catch(() => null)) as (T & { error?: string; code?: string }) | null;
  if (!response.ok || body === null) {
    const hint = response.status === 401 || response.status === 403 ? ' (set GATEWAY_TOKEN to an admin session token from POST /auth/login)' : '';
    throw new StackError(options.failureCode, `${method} ${path}: ${response.status} ${body?.code ?? ''} ${body?.error ?? ''}${hint}`.replace(/\s+/g, ' ').trim(), { exitCode: CANNOT_CHECK });
  }
  return body;
}
