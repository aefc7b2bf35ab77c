// What Redis shows of users and posts, as source positions: the history
// checker's read of the cache projection's store. Only what the pipeline keeps
// without expiry counts: a profile or post the projection wrote (it sets them
// with no TTL, over an older fill) and the tombstones in the state store. A
// copy the gateway filled from the source on a miss expires and tells no
// position the pipeline applied (a post's fill may even be ahead of it), so the
// entity is then left out (undefined). A Redis that does not answer is an
// error (the caller names the store).
import type { Redis } from 'ioredis';
import { postKey, postTombstoneKey, userKey, userTombstoneKey } from '@polyglot/contracts/cache-keys';
import type { StoreObservation } from '@polyglot/contracts/observations';

const ABSENT: StoreObservation = { position: null, deleted: false };

async function run(pipeline: ReturnType<Redis['pipeline']>): Promise<unknown[]> {
  const results = (await pipeline.exec()) ?? [];
  const failed = results.find(([error]) => error)?.[0];
  if (failed) throw failed;
  return results.map(([, value]) => value);
}

/** The cached entry's position field when the pipeline wrote it (no expiry); null: none; undefined: a fill. */
function projected(raw: unknown, ttlMs: unknown, field: 'position' | 'version'): number | null | undefined {
  if (typeof raw !== 'string') return null;
  // -1: no expiry. A fill has one (PROFILE_TTL_S, POST_FILL_TTL_S); -2 (gone meanwhile) reads as absent.
  if (ttlMs === -2) return null;
  if (ttlMs !== -1) return undefined;
  try {
    const value = (JSON.parse(raw) as Record<string, unknown>)[field];
    return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

/** cache: profiles and posts; state: their tombstones (the same client in a test with one Redis). */
export function createRedisObserver(cache: Redis, state: Redis) {
  /** Each cache key's value and time to live (two replies a key), and what `ask` queues of the state store. */
  const entriesAndTombstones = (keys: readonly string[], ask: (tombstones: ReturnType<Redis['pipeline']>) => void): Promise<[unknown[], unknown[]]> => {
    const entries = cache.pipeline();
    for (const key of keys) entries.get(key).pttl(key);
    const tombstones = state.pipeline();
    ask(tombstones);
    return Promise.all([run(entries), run(tombstones)]);
  };
  return {
    /** A deleted user's tombstone holds the deletion's position, and wins over a profile not newer than it. */
    async users(ids: readonly number[]): Promise<Map<number, StoreObservation | undefined>> {
      const [cached, buried] = await entriesAndTombstones(ids.map(userKey), (tombstones) => ids.forEach((id) => tombstones.get(userTombstoneKey(id))));
      return new Map(
        ids.map((id, i) => {
          const profile = projected(cached[2 * i], cached[2 * i + 1], 'position');
          const tombstone = typeof buried[i] === 'string' ? Number(buried[i]) : null;
          if (tombstone !== null && Number.isSafeInteger(tombstone) && (profile === null || profile === undefined || tombstone >= profile)) return [id, { position: tombstone, deleted: true }];
          return [id, profile === undefined ? undefined : profile === null ? ABSENT : { position: profile, deleted: false }];
        }),
      );
    },

    /** A post's tombstone only says it is gone (ids are never reused), without a position: absent. */
    async posts(ids: readonly string[]): Promise<Map<string, StoreObservation | undefined>> {
      const [cached, buried] = await entriesAndTombstones(ids.map(postKey), (tombstones) => ids.forEach((id) => tombstones.exists(postTombstoneKey(id))));
      return new Map(
        ids.map((id, i) => {
          if (buried[i] === 1) return [id, ABSENT];
          const version = projected(cached[2 * i], cached[2 * i + 1], 'version');
          return [id, version === undefined ? undefined : version === null ? ABSENT : { position: version, deleted: false }];
        }),
      );
    },
  };
}
export type RedisObserver = ReturnType<typeof createRedisObserver>;
