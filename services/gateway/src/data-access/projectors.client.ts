// The projectors service (Kafka consumers): what the pipeline could not apply.
import type { DeadLetter } from '@polyglot/platform/kafka';
import { ServiceClient } from './service-client.ts';

export function createProjectorsClient(baseUrl: string) {
  const http = new ServiceClient('projectors', 'Kafka', baseUrl);
  return {
    http,
    async deadLetters(limit: number): Promise<DeadLetter[]> {
      return (await http.get<DeadLetter[]>('/dead-letters', { query: { limit } })).body;
    },
  };
}
export type ProjectorsClient = ReturnType<typeof createProjectorsClient>;
