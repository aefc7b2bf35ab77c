// Applies planned cache operations to Redis. The user writes run as one Lua
// script each, so "compare positions, then write" is atomic even when the
// gateway fills the same key meanwhile.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { CacheOperation } from '../domain/cache-projection.ts';
import { guarded } from './redis-client.ts';

// KEYS[1] user key, KEYS[2] tombstone key.
// ARGV[1] position, ARGV[2] 'put' | 'delete', ARGV[3] the user JSON (put) or the tombstone TTL in seconds (delete).
// Returns 1 when applied, 0 when the cache already reflects this position or a later one.
// An entry without a position (a cache-aside fill by the gateway) counts as older.
const GUARDED_USER_WRITE = `
local position = tonumber(ARGV[1])
local tombstone = tonumber(redis.call('GET', KEYS[2]))
if tombstone and tombstone >= position then return 0 end
local cached = redis.call('GET', KEYS[1])
if cached then
  local ok, entry = pcall(cjson.decode, cached)
  if ok and type(entry) == 'table' then
    local cachedPosition = tonumber(entry.position)
    if cachedPosition and cachedPosition >= position then return 0 end
  end
end
if ARGV[2] == 'put' then
  redis.call('SET', KEYS[1], ARGV[3])
else
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], ARGV[1], 'EX', tonumber(ARGV[3]))
end
return 1
`;
const GUARDED_USER_WRITE_SHA = createHash('sha1').update(GUARDED_USER_WRITE).digest('hex');

export class CacheRepository {
  private readonly redis: Redis;
  private scriptLoaded = false;

  constructor(redis: Redis) {
    this.redis = redis;
  }

  /** In order; replaying the whole list is harmless (a bump only invalidates pages once more). */
  async apply(operations: readonly CacheOperation[]): Promise<void> {
    for (const operation of operations) {
      switch (operation.kind) {
        case 'putUser':
          await this.guardedUserWrite(operation.key, operation.tombstoneKey, operation.position, 'put', JSON.stringify(operation.user));
          break;
        case 'deleteUser':
          await this.guardedUserWrite(operation.key, operation.tombstoneKey, operation.position, 'delete', String(operation.ttlSeconds));
          break;
        case 'bump':
          await guarded(() => this.redis.incr(operation.key));
          break;
      }
    }
  }

  /**
   * Several messages' operations in one round trip (a pipeline keeps their order). A batch is
   * all or nothing for the caller: on any error it throws, and replaying it is harmless (a
   * generation bumped twice only invalidates pages once more).
   */
  async applyMany(operations: readonly CacheOperation[]): Promise<void> {
    if (operations.length === 0) return;
    const run = async () => {
      const pipeline = this.redis.pipeline();
      for (const operation of operations) {
        if (operation.kind === 'bump') pipeline.incr(operation.key);
        else {
          const [mode, argument] = operation.kind === 'putUser' ? (['put', JSON.stringify(operation.user)] as const) : (['delete', String(operation.ttlSeconds)] as const);
          pipeline.evalsha(GUARDED_USER_WRITE_SHA, 2, operation.key, operation.tombstoneKey, String(operation.position), mode, argument);
        }
      }
      const results = (await pipeline.exec()) ?? [];
      return results.find(([error]) => error)?.[0] ?? null;
    };
    const failed = await guarded(async () => {
      // Loaded once up front: a batch that met NOSCRIPT is sent again whole, bumping its generations twice.
      if (!this.scriptLoaded) {
        await this.redis.script('LOAD', GUARDED_USER_WRITE);
        this.scriptLoaded = true;
      }
      const first = await run();
      if (!first || !/NOSCRIPT/.test(first.message)) return first;
      // After a restart or SCRIPT FLUSH Redis no longer knows the script: load it, then the whole batch again.
      await this.redis.script('LOAD', GUARDED_USER_WRITE);
      return run();
    });
    if (failed) throw failed;
  }

  async ping(): Promise<void> {
    await guarded(() => this.redis.ping());
  }

  private async guardedUserWrite(key: string, tombstoneKey: string, position: number, mode: 'put' | 'delete', argument: string): Promise<boolean> {
    const args = [key, tombstoneKey, String(position), mode, argument];
    const applied = await guarded(async () => {
      try {
        return await this.redis.evalsha(GUARDED_USER_WRITE_SHA, 2, ...args);
      } catch (error) {
        // After a restart or SCRIPT FLUSH Redis no longer knows the script: send it once more.
        if (!/NOSCRIPT/.test((error as Error).message)) throw error;
        return this.redis.eval(GUARDED_USER_WRITE, 2, ...args);
      }
    });
    return applied === 1;
  }
}
