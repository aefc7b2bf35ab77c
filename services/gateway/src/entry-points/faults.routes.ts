// /faults: break the system on purpose and watch /health. With AUTH_REQUIRED
// on, every route here needs an admin session (adminOnly). Names are checked
// against the allow-lists here, so an unknown one is a 404 with its own code.
import { z } from 'zod';
import {
  FAULT_PROJECTIONS,
  FAULT_UNITS,
  FaultsOverview,
  PROJECTION_ALIASES,
  ProjectionControl,
  ProjectionFaultsSettings,
  UNIT_ACTIONS,
  UnitActionResult,
  type FaultProjection,
  type FaultUnit,
} from '@polyglot/contracts/faults';
import { AppError } from '@polyglot/platform/errors';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { FastifyRequest } from 'fastify';
import { whoIsAsking } from '../domain/authorize.ts';
import { controlProjection, controlUnit, faultsOverview, type FaultsDeps } from '../domain/faults.use-case.ts';
import type { GatewayDeps } from '../domain/gateway-deps.ts';
import { adminOnly } from './admin.hook.ts';
import { bearer, errors } from './route-helpers.ts';

// Tagged so API fuzzing can leave them out: a fuzzer must not pause projections or kill engines.
const tags = ['faults'];

const ProjectionParam = z.object({ name: z.string().max(100).describe(`one of ${FAULT_PROJECTIONS.join(', ')} (projectors: the cache projection's former name)`) });
const UnitParam = z.object({ unit: z.string().max(100).describe(`one of ${FAULT_UNITS.join(', ')}`) });

/** A projection's name, or a former one (answered under the current name). */
export function projectionName(name: string): FaultProjection {
  if ((FAULT_PROJECTIONS as readonly string[]).includes(name)) return name as FaultProjection;
  const alias = Object.hasOwn(PROJECTION_ALIASES, name) ? PROJECTION_ALIASES[name] : undefined;
  if (alias) return alias;
  throw new AppError('UNKNOWN_PROJECTION', `no projection is called "${name}"; projections: ${FAULT_PROJECTIONS.join(', ')}`);
}

export function faultUnit(unit: string): FaultUnit {
  if ((FAULT_UNITS as readonly string[]).includes(unit)) return unit as FaultUnit;
  const why = unit === 'gateway' ? 'the gateway serves /faults itself; stop it with ./stackctl stop gateway' : `units: ${FAULT_UNITS.join(', ')}`;
  throw new AppError('UNKNOWN_UNIT', `"${unit}" cannot be stopped, started or killed through /faults; ${why}`);
}

export function registerFaultRoutes(app: HttpApp, deps: GatewayDeps, faults: FaultsDeps): void {
  const onRequest = adminOnly(app, deps);
  const who = (request: FastifyRequest) => whoIsAsking(deps, { authorization: request.headers.authorization, address: request.ip, admin: request.admin });
  const security = bearer;

  app.get(
    '/faults',
    {
      onRequest,
      schema: {
        tags,
        security,
        operationId: 'getFaults', summary: 'Every projection’s fault controls and lag, the stack’s units, and the recent fault actions',
        response: { 200: FaultsOverview, ...errors(401, 403) },
      },
    },
    async () => faultsOverview(faults),
  );

  for (const action of ['pause', 'resume'] as const) {
    app.post(
      `/faults/projections/:name/${action}`,
      {
        onRequest,
        schema: {
          tags,
          operationId: `${action}Projection`,
          security,
          summary:
            action === 'pause'
              ? 'Pause a projection: nothing is applied, messages wait in Kafka as lag (nothing lost, nothing committed)'
              : 'Resume a paused projection: the backlog drains',
          params: ProjectionParam,
          response: { 200: ProjectionControl, ...errors(401, 403, 404, 503) },
        },
      },
      async (request) => controlProjection(faults, await who(request), projectionName(request.params.name), action),
    );
  }

  app.put(
    '/faults/projections/:name',
    {
      onRequest,
      schema: {
        tags,
        security,
        operationId: 'setProjectionFaults', summary: 'Delay (ms before each message or batch) or duplicate (apply everything twice) a projection; only the fields given change',
        params: ProjectionParam,
        body: ProjectionFaultsSettings,
        response: { 200: ProjectionControl, ...errors(400, 401, 403, 404, 503) },
      },
    },
    async (request) => controlProjection(faults, await who(request), projectionName(request.params.name), 'set', request.body),
  );

  for (const action of UNIT_ACTIONS) {
    app.post(
      `/faults/units/:unit/${action}`,
      {
        onRequest,
        schema: {
          tags,
          operationId: `${action}Unit`,
          security,
          summary: `${action === 'kill' ? 'SIGKILL' : action[0]!.toUpperCase() + action.slice(1)} an engine or service through the stack CLI (./stackctl ${action} UNIT); answers when it is done`,
          params: UnitParam,
          response: { 200: UnitActionResult, ...errors(401, 403, 404, 409, 501, 502, 504) },
        },
      },
      async (request) => controlUnit(faults, await who(request), faultUnit(request.params.unit), action),
    );
  }
}
