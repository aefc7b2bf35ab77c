// GET /cache-status: what Redis says about itself. Never fails: a Redis that
// does not answer is reported as disconnected.
import type { CacheStatus } from '@polyglot/contracts/api';
import { readRedisInfo } from '../data-access/redis-info.ts';
import type { GatewayDeps } from './gateway-deps.ts';

const DISCONNECTED: CacheStatus = { connected: false, memory: 0, memoryBytes: 0, memoryHuman: '0B', keys: 0, hitRate: 0, hitRatio: 0, hits: 0, misses: 0, evictions: 0, opsPerSec: 0 };

const MEGABYTE = 1024 * 1024;
const twoDecimals = (n: number): number => Math.round(n * 100) / 100;

export async function cacheStatus(deps: Pick<GatewayDeps, 'redis' | 'logger'>): Promise<CacheStatus> {
  try {
    const { info, keys } = await readRedisInfo(deps.redis);
    const int = (field: string) => {
      const n = Number(info.get(field) ?? 0);
      return Number.isFinite(n) ? Math.trunc(n) : 0;
    };
    const hits = int('keyspace_hits');
    const misses = int('keyspace_misses');
    const memoryBytes = int('used_memory');
    const hitRatio = hits + misses === 0 ? 0 : hits / (hits + misses);
    // memory and hitRate are in the units clients display ("{memory} MB", "{hitRate}%"); the exact figures stay beside them.
    return {
      connected: true,
      memory: twoDecimals(memoryBytes / MEGABYTE),
      memoryBytes,
      memoryHuman: info.get('used_memory_human') ?? '0B',
      keys,
      hitRate: twoDecimals(hitRatio * 100),
      hitRatio,
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
