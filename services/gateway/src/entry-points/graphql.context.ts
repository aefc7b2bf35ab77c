// What every GraphQL resolver shares: who asks (the same session and admin
// rules as the REST hooks), the settling of a write in its consistency mode,
// and the read-your-writes wait of a read given a token — each built on the
// same domain functions the REST routes use.
import type { FastifyRequest } from 'fastify';
import { parseToken, type ConsistencyToken, type ProjectionName } from '@polyglot/contracts/consistency';
import type { Written } from '../data-access/service-client.ts';
import { requireAdmin, whoIsAsking, type Admin } from '../domain/authorize.ts';
import { awaitProjections, awaitStrongWrite, DEFAULT_WAIT_MS, describeWrite, projectionsFor } from '../domain/consistency.use-case.ts';
import type { Caller, GatewayDeps } from '../domain/gateway-deps.ts';
import { sessionUserId } from '../domain/sessions.use-case.ts';
import { ReadQuery, WriteQuery } from './consistency.hooks.ts';
import { parseInput } from './graphql.errors.ts';

/** The HTTP request behind an operation (for a subscription: the WebSocket's upgrade request). */
export interface GraphQLContext {
  http: {
    authorization: string | undefined;
    address: string;
  };
}

// What contextOf gives every resolver, on mercurius' own context type.
declare module 'mercurius' {
  interface MercuriusContext {
    http: GraphQLContext['http'];
  }
}

export function contextOf(request: FastifyRequest): GraphQLContext {
  return {
    http: {
      // Read when used: a browser cannot set a WebSocket's headers, so it sends {authorization} in
      // graphql-ws's connection_init, which mercurius adds to the upgrade request's headers after this runs.
      get authorization() {
        const value = request.headers.authorization;
        return typeof value === 'string' ? value : undefined;
      },
      address: request.ip,
    },
  };
}

/** With AUTH_REQUIRED on: the session's user (401 UNAUTHENTICATED without one), for reads that need one. Off: null. */
export async function sessionOf(deps: GatewayDeps, ctx: GraphQLContext): Promise<number | null> {
  return deps.config.AUTH_REQUIRED ? sessionUserId(deps, ctx.http.authorization) : null;
}

/**
 * The caller of a write. With AUTH_REQUIRED on, a valid session is needed
 * (401 UNAUTHENTICATED otherwise), as the REST session hook does for every
 * write; `open` writes (creating an account) need none.
 */
export async function callerOf(deps: GatewayDeps, ctx: GraphQLContext, options: { open?: boolean } = {}): Promise<Caller> {
  const actor = deps.config.AUTH_REQUIRED && !options.open ? await sessionUserId(deps, ctx.http.authorization) : null;
  return { actor };
}

/** Faults, lab and reconcile: an admin session with AUTH_REQUIRED on (401 / 403 ADMIN_REQUIRED), anyone when off. */
export function adminOf(deps: GatewayDeps, ctx: GraphQLContext): Promise<Admin> {
  return requireAdmin(deps, ctx.http.authorization);
}

/** Who asked for a fault action, for its record. */
export function whoOf(deps: GatewayDeps, ctx: GraphQLContext, admin: Admin) {
  return whoIsAsking(deps, { authorization: ctx.http.authorization, address: ctx.http.address, admin });
}

export interface WriteArgs {
  consistency?: 'EVENTUAL' | 'STRONG' | null;
  timeoutMs?: number | null;
}

export interface WriteOptions {
  mode: 'eventual' | 'strong';
  timeoutMs: number;
}

/** A write's mode and wait, checked (as REST's query string) before the write is made. */
export function writeOptionsOf(args: WriteArgs): WriteOptions {
  const query = parseInput(WriteQuery, { consistency: args.consistency?.toLowerCase(), timeoutMs: args.timeoutMs ?? undefined }, 'arguments');
  return { mode: query.consistency ?? 'eventual', timeoutMs: query.timeoutMs ?? DEFAULT_WAIT_MS };
}

export interface GraphQLConsistency {
  token: string;
  mode: 'EVENTUAL' | 'STRONG';
  visibleAfterMs?: Record<string, number | null> | undefined;
}

/**
 * After a write, as REST's settleWrite: in strong mode wait for every
 * projection of the change (CONSISTENCY_TIMEOUT naming the late ones); the
 * consistency is null when the write changed nothing.
 */
export async function settle<T>(deps: GatewayDeps, written: Written<T>, options: WriteOptions): Promise<{ value: T; consistency: GraphQLConsistency | null }> {
  const token: ConsistencyToken | null = written.token === null ? null : parseToken(written.token);
  if (token === null) return { value: written.value, consistency: null };
  if (options.mode === 'strong') await awaitStrongWrite(deps, token, options.timeoutMs);
  const info = await describeWrite(deps.watermarks, token, options.mode);
  return { value: written.value, consistency: { ...info, mode: info.mode === 'strong' ? 'STRONG' : 'EVENTUAL' } };
}

export interface ReadArgs {
  token?: string | null;
  timeoutMs?: number | null;
}

/** A read given a write's token waits until the projections it is served from show that write (REST: ?token=). */
export async function readAfter(deps: GatewayDeps, args: ReadArgs, readsFrom: readonly ProjectionName[]): Promise<void> {
  const query = parseInput(ReadQuery, { token: args.token ?? undefined, timeoutMs: args.timeoutMs ?? undefined }, 'arguments');
  if (query.token === undefined) return;
  const token = parseToken(query.token)!;
  await awaitProjections(deps.watermarks, token, projectionsFor(token, readsFrom), query.timeoutMs ?? DEFAULT_WAIT_MS, 'read');
}
