// The analytics service (TimescaleDB): the dashboard's series and totals.
import type { Analytics } from '@polyglot/contracts/api';
import type { SourceName } from '@polyglot/contracts/consistency';
import type { StoreObservations } from '@polyglot/contracts/observations';
import { ServiceClient } from './service-client.ts';

export function createAnalyticsClient(baseUrl: string, secret: string) {
  const http = new ServiceClient('analytics', 'TimescaleDB', baseUrl, secret);
  return {
    http,
    async get(): Promise<Analytics> {
      return (await http.get<Analytics>('/analytics')).body;
    },
    /** The highest source position of this entity recorded (null: none); for the consistency lab. */
    async shownPosition(source: SourceName, entityId: string): Promise<number | null> {
      return (await http.get<{ position: number | null }>(`/internal/positions/${source}/${entityId}`)).body.position;
    },
    /** Each entity's latest event as a source position, a deletion's too (the history checker's read). */
    async observe(source: SourceName, ids: readonly string[]): Promise<StoreObservations['observed']> {
      return (await http.post<StoreObservations>('/internal/observations', { source, ids })).body.observed;
    },
  };
}
export type AnalyticsClient = ReturnType<typeof createAnalyticsClient>;
