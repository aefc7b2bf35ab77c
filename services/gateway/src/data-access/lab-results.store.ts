// The consistency lab's results, kept in the state Redis (newest first, the
// last 50) so the UI can draw them and they survive a gateway restart.
import type { Redis } from 'ioredis';
import type { ExperimentResult } from '@polyglot/contracts/lab';
import { orUnavailable } from './redis.ts';

const KEY = 'lab:experiments';
const KEEP = 50;

export function createLabResults(redis: Redis) {
  return {
    async add(result: ExperimentResult): Promise<void> {
      await orUnavailable(redis.multi().lpush(KEY, JSON.stringify(result)).ltrim(KEY, 0, KEEP - 1).exec());
    },
    async list(): Promise<ExperimentResult[]> {
      return (await orUnavailable(redis.lrange(KEY, 0, KEEP - 1))).map((raw) => JSON.parse(raw) as ExperimentResult);
    },
  };
}
export type LabResults = ReturnType<typeof createLabResults>;
