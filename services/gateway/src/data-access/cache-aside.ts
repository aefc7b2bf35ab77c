// Cache-aside reads and fills of entries the cache projection also writes
// (profiles, posts). A failing Redis is a miss, never a failed read.
// A fill is written only when the key is absent (NX): whatever the
// projection wrote is at least as new as what a read just fetched. A deletion
// must win over a fill that raced with it; its tombstone lives in the other
// instance (the state store), so it is looked at after the fill: the projection
// writes the tombstone before it deletes the entry, so either that look sees
// the tombstone and takes the fill back, or the fill came before the
// projection's delete, which removes it.
import type { Redis } from 'ioredis';
import type { Logger } from '@polyglot/platform/logger';

export interface CacheFill {
  key: string;
  /** Present in the state store once the entry is deleted. */
  tombstoneKey: string;
  value: string;
}

const TAKE_BACK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * The entries among ids that are cached and that `parse` accepts (it gets the decoded JSON); never throws
 * (a Redis failure returns none). A corrupt entry is a miss: a fill cannot overwrite it (NX), but its TTL will.
 */
export async function readEntries<K, V>(redis: Redis, ids: readonly K[], keyOf: (id: K) => string, parse: (value: unknown) => V | null, logger: Logger): Promise<Map<K, V>> {
  const found = new Map<K, V>();
  if (ids.length === 0) return found;
  const decoded = (raw: string | null): V | null => {
    if (raw === null) return null;
    try {
      return parse(JSON.parse(raw));
    } catch {
      return null;
    }
  };
  try {
    const values = await redis.mget(ids.map(keyOf));
    values.forEach((raw, i) => {
      const entry = decoded(raw);
      if (entry) found.set(ids[i]!, entry);
    });
  } catch (error) {
    logger.debug({ err: error }, 'cache read failed; asking the service that owns the data');
  }
  return found;
}

/** Never throws: a fill that fails leaves a miss, which the next read fills again. */
export async function fillAbsent(cache: Redis, state: Redis, fills: readonly CacheFill[], ttlS: number, logger: Logger): Promise<void> {
  if (fills.length === 0) return;
  try {
    const pipeline = cache.pipeline();
    for (const f of fills) pipeline.set(f.key, f.value, 'EX', ttlS, 'NX');
    const written = ((await pipeline.exec()) ?? []).map(([, reply]) => reply === 'OK');
    const filled = fills.filter((_, i) => written[i]);
    if (filled.length === 0) return;
    let deleted = filled;
    try {
      const tombstones = await state.mget(filled.map((f) => f.tombstoneKey));
      deleted = filled.filter((_, i) => tombstones[i] !== null);
    } catch (error) {
      // Cannot tell whether they were deleted meanwhile: take the fills back (a miss, not a resurrection).
      logger.debug({ err: error }, 'tombstone check failed; taking the cache fills back');
    }
    if (deleted.length === 0) return;
    const takeBack = cache.pipeline();
    for (const f of deleted) takeBack.eval(TAKE_BACK, 1, f.key, f.value);
    await takeBack.exec();
  } catch (error) {
    logger.debug({ err: error }, 'cache fill failed');
  }
}
