// The analytics service (TimescaleDB): the dashboard's series and totals.
import type { Analytics } from '@polyglot/contracts/api';
import { ServiceClient } from './service-client.ts';

export function createAnalyticsClient(baseUrl: string) {
  const http = new ServiceClient('analytics', 'TimescaleDB', baseUrl);
  return {
    http,
    async get(): Promise<Analytics> {
      return (await http.get<Analytics>('/analytics')).body;
    },
  };
}
export type AnalyticsClient = ReturnType<typeof createAnalyticsClient>;
