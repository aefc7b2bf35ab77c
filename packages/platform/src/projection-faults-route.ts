// GET/PUT /internal/projection: the fault controls of the projection a service
// runs (pause, delay, duplicate). Internal: the gateway's /faults drives them,
// checks who may, and logs who did.
import { ProjectionFaultsChange, ProjectionFaultsStatus } from '@polyglot/contracts/faults';
import type { HttpApp } from './http-app.ts';
import type { ProjectionFaults } from './projection-faults.ts';

/** A consumer with fault controls: a SupervisedConsumer (a projection, the posts cascade). */
export interface FaultsRouteTarget {
  faults: ProjectionFaults;
  /** Whether the consumer runs and its lag, as /health reports them. */
  status(): Promise<{ running: boolean; lag: number | null }>;
}

export function registerProjectionFaultsRoutes(app: HttpApp, target: FaultsRouteTarget): void {
  const answer = async () => {
    const { running, lag } = await target.status();
    return { ...target.faults.snapshot(), running, lag };
  };
  app.get(
    '/internal/projection',
    { schema: { summary: 'The projection’s fault controls (pause, delay, duplicate) and its lag', response: { 200: ProjectionFaultsStatus } } },
    async () => answer(),
  );
  app.put(
    '/internal/projection',
    { schema: { summary: 'Change the projection’s fault controls; only the fields given change', body: ProjectionFaultsChange, response: { 200: ProjectionFaultsStatus } } },
    async (request) => {
      target.faults.change(request.body);
      return answer();
    },
  );
}
