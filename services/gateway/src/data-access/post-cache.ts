// Posts as lists show them (ListedPost, with their version), cache-aside: the
// cache projection writes post:{id} from every change's event; the gateway
// reads them and fills misses from the posts service (cache-aside.ts). A page
// of posts is then built from Redis, not from the document store. A failing
// Redis is a miss, never a failed read.
import type { Redis } from 'ioredis';
import { postKey, postTombstoneKey } from '@polyglot/contracts/cache-keys';
import { ListedPost } from '@polyglot/contracts/post-events';
import type { Logger } from '@polyglot/platform/logger';
import { fillAbsent, readEntries } from './cache-aside.ts';

/** A filled post expires (a projected one does not, and is replaced by each change). */
export const POST_FILL_TTL_S = 3600;

function parsePost(value: unknown): ListedPost | null {
  const parsed = ListedPost.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** redis: the cache; state: where the tombstones are (the same client in a test that has one Redis). */
export function createPostCache(redis: Redis, logger: Logger, state: Redis = redis) {
  return {
    /** The cached posts among ids; a Redis failure returns none. */
    get(ids: readonly string[]): Promise<Map<string, ListedPost>> {
      return readEntries(redis, ids, postKey, parsePost, logger);
    },

    async fill(posts: readonly ListedPost[]): Promise<void> {
      await fillAbsent(
        redis,
        state,
        posts.map((p) => ({ key: postKey(p._id), tombstoneKey: postTombstoneKey(p._id), value: JSON.stringify(p) })),
        POST_FILL_TTL_S,
        logger,
      );
    },
  };
}
export type PostCache = ReturnType<typeof createPostCache>;
