// GET /cache-status: what Redis says about itself. Never fails: a Redis that
// does not answer is reported as disconnected.
import type { CacheStatus } from '@polyglot/contracts/api';
import { readRedisInfo } from '../data-access/redis-info.ts';
import type { GatewayDeps } from './gateway-deps.ts';

const DISCONNECTED: CacheStatus = { connected: false, memory: '0B', memoryBytes: 0, keys: 0, hitRate: 0, hits: 0, misses: 0, evictions: 0, opsPerSec: 0 };

export async function cacheStatus(deps: Pick<GatewayDeps, 'redis' | 'logger'>): Promise<CacheStatus> {
  try {
    const { info, keys } = await readRedisInfo(deps.redis);
    const int = (field: string) => {
      const n = Number(info.get(field) ?? 0);
      return Number.isFinite(n) ? Math.trunc(n) : 0;
    };
    const hits = int('keyspace_hits');
    const misses = int('keyspace_misses');
    return {
      connected: true,
      memory: info.get('used_memory_human') ?? '0B',
      memoryBytes: int('used_memory'),
      keys,
      hitRate: hits + misses === 0 ? 0 : hits / (hits + misses),
      hits,
      misses,
      evictions: int('evicted_keys'),
      opsPerSec: Number(info.get('instantaneous_ops_per_sec') ?? 0) || 0,
    };
  } catch (error) {
    deps.logger.debug({ err: error }, 'Redis INFO failed');
    return DISCONNECTED;
  }
}
