// The fault controls of each projection, in the service that runs it
// (GET/PUT /internal/projection there).
import { FAULT_PROJECTIONS, type FaultProjection, type ProjectionFaultsChange, type ProjectionFaultsStatus } from '@polyglot/contracts/faults';
import { AppError } from '@polyglot/platform/errors';
import type { GatewayConfig } from '../config.ts';
import { ServiceClient, UpstreamError } from './service-client.ts';

export function createProjectionControls(config: Pick<GatewayConfig, 'GRAPH_URL' | 'ANALYTICS_URL' | 'PROJECTORS_URL' | 'POSTS_URL' | 'INTERNAL_SECRET'>) {
  const clients: Record<FaultProjection, ServiceClient> = {
    graph: new ServiceClient('graph', 'Neo4j', config.GRAPH_URL, config.INTERNAL_SECRET),
    analytics: new ServiceClient('analytics', 'TimescaleDB', config.ANALYTICS_URL, config.INTERNAL_SECRET),
    cache: new ServiceClient('projectors', 'Redis', config.PROJECTORS_URL, config.INTERNAL_SECRET),
    'user-cascade': new ServiceClient('posts', 'FerretDB', config.POSTS_URL, config.INTERNAL_SECRET),
  };
  const call = async (name: FaultProjection, request: (client: ServiceClient) => Promise<{ body: ProjectionFaultsStatus }>) => {
    const client = clients[name];
    try {
      return (await request(client)).body;
    } catch (error) {
      // A service started without its consumer (CONSUMERS=off) has no such route.
      if (error instanceof UpstreamError && error.statusCode === 404) {
        throw new AppError('UNKNOWN_PROJECTION', `the ${client.name} service runs without the ${name} projection (its consumer is switched off)`, { projection: name });
      }
      throw error;
    }
  };
  return {
    names: FAULT_PROJECTIONS,
    serviceOf: (name: FaultProjection): string => clients[name].name,
    get: (name: FaultProjection) => call(name, (c) => c.get<ProjectionFaultsStatus>('/internal/projection')),
    change: (name: FaultProjection, change: ProjectionFaultsChange) => call(name, (c) => c.put<ProjectionFaultsStatus>('/internal/projection', change)),
  };
}
export type ProjectionControls = ReturnType<typeof createProjectionControls>;
