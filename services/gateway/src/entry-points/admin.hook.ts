// The admin requirement of operators' endpoints (faults, lab, reconcile), as a
// route-level onRequest hook: it runs before the body and the path are
// validated, so a caller without the right learns nothing about either.
//
//   app.post('/faults/…', { onRequest: adminOnly(app, deps), schema: … }, handler)
//
// request.admin then holds the admin (null when AUTH_REQUIRED is off).
import type { FastifyRequest } from 'fastify';
import type { HttpApp } from '@polyglot/platform/http-app';
import { requireAdmin, type Admin } from '../domain/authorize.ts';
import type { GatewayDeps } from '../domain/gateway-deps.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by adminOnly: the admin the request was allowed as; null when AUTH_REQUIRED is off. */
    admin: Admin;
  }
}

export function adminOnly(app: HttpApp, deps: Pick<GatewayDeps, 'config' | 'sessions' | 'users'>): (request: FastifyRequest) => Promise<void> {
  if (!app.hasRequestDecorator('admin')) app.decorateRequest('admin', null);
  return async (request) => {
    request.admin = await requireAdmin(deps, request.headers.authorization);
  };
}
