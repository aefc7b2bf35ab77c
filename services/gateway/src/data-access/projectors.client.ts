// The projectors service (Kafka consumers): what the pipeline could not apply.
import type { DeadLetterReplayResult } from '@polyglot/contracts/api';
import type { DeadLetter } from '@polyglot/platform/kafka';
import { ServiceClient } from './service-client.ts';

export function createProjectorsClient(baseUrl: string, secret: string) {
  const http = new ServiceClient('projectors', 'Kafka', baseUrl, secret);
  return {
    http,
    async deadLetters(limit: number): Promise<Array<DeadLetter & { id: string; replayedAt: string | null }>> {
      return (await http.get<Array<DeadLetter & { id: string; replayedAt: string | null }>>('/dead-letters', { query: { limit } })).body;
    },
    async replayDeadLetters(selection: { id?: string | undefined; all?: true | undefined }): Promise<DeadLetterReplayResult> {
      return (await http.post<DeadLetterReplayResult>('/dead-letters/replay', selection)).body;
    },
  };
}
export type ProjectorsClient = ReturnType<typeof createProjectorsClient>;
