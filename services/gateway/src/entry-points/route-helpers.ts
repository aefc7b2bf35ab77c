// What every route file shares: documented error responses and the session
// user of a request.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorBody } from '@polyglot/contracts/api';
import { ERROR_CODES } from '@polyglot/contracts/error-codes';
import type { Actor, Caller } from '../domain/gateway-deps.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the session hook when AUTH_REQUIRED is on; null otherwise. */
    actor: Actor;
  }
}

/** The codes each status can carry, for the OpenAPI description. */
function codesFor(status: number): string {
  return Object.entries(ERROR_CODES)
    .filter(([, v]) => v.status === status)
    .map(([code]) => code)
    .join(', ');
}

/** Response schemas for the error statuses a route can answer; every error is {error, code}. */
/** Link: rel="next" to the same path with these query parameters (absent ones left out). */
export function linkNext(request: FastifyRequest, reply: FastifyReply, path: string, query: Record<string, string | number | undefined>): void {
  const next = new URL(`${request.protocol}://${request.host}${path}`);
  for (const [name, value] of Object.entries(query)) if (value !== undefined) next.searchParams.set(name, String(value));
  reply.header('link', `<${next.href}>; rel="next"`);
}

export function errors(...statuses: number[]): Record<number, typeof ErrorBody> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorBody.describe(`error (${codesFor(s)})`)]));
}

/** Statuses any write that goes through a service may answer. */
export const WRITE_ERRORS = [400, 401, 403, 413, 503] as const;

// Who may call a route, in the OpenAPI document (the scheme, bearerAuth, is declared in docs.ts). Every
// route declares one of these: a generated client reads them to know when to send the session.

type Security = Array<Record<string, string[]>>;

/** A session is needed: always (logout, me), or with AUTH_REQUIRED on (writes, operators' endpoints). */
export const bearer: Security = [{ bearerAuth: [] }];
/** Anyone may; a session, when sent, is read: with AUTH_REQUIRED on, it shows its own user's email where others see null. */
export const sessionOptional: Security = [{}, { bearerAuth: [] }];
/** Anyone may, and no session is read. */
export const noSession: Security = [];

export function callerOf(request: FastifyRequest): Caller {
  return { actor: request.actor ?? null };
}
