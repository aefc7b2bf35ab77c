// What the reconciler needs from the profile cache: every user:{id} profile
// (not the user:{id}:deleted tombstones, not pages or generations), and the
// repairs, each applied only if the entry is still the one that was listed
// (compared by digest inside Redis), so a repair never overwrites what the
// projection wrote in the meantime. Also the post listings of the state store:
// every id they hold, and the repairs that list a live post (unless it was
// deleted meanwhile: its tombstone) or take an id off them. The authors'
// listings are one key each, so they are found with SCAN, a step at a time.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { authorListingKey, POSTS_LISTING_KEY, postTombstoneKey, userKey } from '@polyglot/contracts/cache-keys';
import type { CacheKind, CacheListing, CachePage, CacheRepair, CacheRepairResult, CacheTotals, ReconcileScope } from '@polyglot/contracts/reconcile';
import { withListingCommands, type ListingRedis } from './listing-commands.ts';
import { guarded, STATE_STORE_NAME } from './redis-client.ts';

const PROFILE_KEY = /^user:([1-9][0-9]{0,15})$/;
const AUTHOR_LISTING_KEY = /^posts:listing:author:([1-9][0-9]{0,15})$/;
const CHUNK = 1000;
/** Keys one SCAN step of the authors' listings looks at: fixed, so a page that resumes inside a step sees that step again. */
const AUTHORS_SCAN_COUNT = 1000;

// KEYS[1] the profile; ARGV[1] the digest it was listed with; ARGV[2] 'set' | 'del'; ARGV[3] the new value.
// KEEPTTL: an entry the gateway filled keeps its expiry; a projected one has none.
const COMPARE_AND_SET = `
local raw = redis.call('GET', KEYS[1])
if not raw or redis.sha1hex(raw) ~= ARGV[1] then return 0 end
if ARGV[2] == 'del' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[3], 'KEEPTTL') end
return 1`;

export const digestOf = (raw: string): string => createHash('sha1').update(raw).digest('hex');

function parse(raw: string): { name: string | null; email: string | null; position: number | null } {
  try {
    const v = JSON.parse(raw) as { name?: unknown; email?: unknown; position?: unknown };
    return {
      name: typeof v.name === 'string' ? v.name : null,
      email: typeof v.email === 'string' ? v.email : null,
      position: typeof v.position === 'number' ? v.position : null,
    };
  } catch {
    return { name: null, email: null, position: null };
  }
}

export class ProfileAuditRepository {
  private readonly redis: Redis;
  private readonly state: ListingRedis;

  /** redis: the cache (profiles); state: the post listings. */
  constructor(redis: Redis, state: Redis) {
    this.redis = redis;
    this.state = withListingCommands(state);
  }

  /** The scope's cached profiles (MGET) and where its posts are listed (one pipeline of ZSCOREs). */
  scoped(scope: ReconcileScope): Promise<CacheListing> {
    return guarded(async () => {
      const profiles: CacheListing['profiles'] = [];
      for (let start = 0; start < scope.users.length; start += CHUNK) {
        const ids = scope.users.slice(start, start + CHUNK);
        const values = await this.redis.mget(ids.map((id) => userKey(id)));
        values.forEach((raw, i) => {
          if (raw !== null) profiles.push({ id: ids[i]!, ...parse(raw), digest: digestOf(raw) });
        });
      }
      const listed = await guarded(async () => {
        const pipeline = this.state.pipeline();
        for (const post of scope.posts) {
          pipeline.zscore(POSTS_LISTING_KEY, post.id);
          if (post.authorId !== null) pipeline.zscore(authorListingKey(post.authorId), post.id);
        }
        const replies = ((await pipeline.exec()) ?? []).map(([error, reply]) => {
          if (error) throw error;
          return reply !== null;
        });
        // A post named with several authors (an id found in several authors' listings) is one entry.
        const found = new Map<string, CacheListing['listed'][number]>();
        let at = 0;
        for (const post of scope.posts) {
          const inListing = replies[at++]!;
          const byAuthor = post.authorId !== null && replies[at++]!;
          if (!inListing && !byAuthor) continue;
          const entry = found.get(post.id) ?? { id: post.id, inListing: false, authorIds: [] };
          entry.inListing ||= inListing;
          if (byAuthor && !entry.authorIds.includes(post.authorId!)) entry.authorIds.push(post.authorId!);
          found.set(post.id, entry);
        }
        return [...found.values()];
      }, STATE_STORE_NAME);
      return { profiles, listed };
    });
  }

  /** Profiles: one SCAN step (after = its cursor); listing: ids after `after` in the listing's order; authors: see authorsPage. */
  page(kind: CacheKind, after: string | undefined, limit: number): Promise<CachePage> {
    if (kind === 'authors') return guarded(() => this.#authorsPage(after, limit), STATE_STORE_NAME);
    return guarded(async () => {
      const listing: CacheListing = { profiles: [], listed: [] };
      if (kind === 'profiles') {
        const [cursor, found] = await this.redis.scan(after ?? '0', 'MATCH', 'user:*', 'COUNT', limit);
        const keys = found.filter((key) => PROFILE_KEY.test(key));
        const values = keys.length > 0 ? await this.redis.mget(keys) : [];
        values.forEach((raw, i) => {
          if (raw !== null) listing.profiles.push({ id: Number(PROFILE_KEY.exec(keys[i]!)![1]), ...parse(raw), digest: digestOf(raw) });
        });
        return { listing, next: cursor === '0' ? null : cursor };
      }
      const ids = await guarded(() => this.state.zrange(POSTS_LISTING_KEY, after ? `(${after}` : '-', '+', 'BYLEX', 'LIMIT', 0, limit), STATE_STORE_NAME);
      listing.listed = ids.map((id) => ({ id, inListing: true, authorIds: [] }));
      return { listing, next: ids.length === limit ? ids.at(-1)! : null };
    });
  }

  /**
   * The authors' listings' entries, at most `limit`: the rest of one SCAN step's listings, by author id, each
   * in its own order. `after` is a SCAN cursor (a step from its start) or `{cursor}:{authorId}:{postId}` (that
   * step again, from that entry on: a SCAN step from the same cursor looks at the same keys). A listing the
   * step finds again below `authorId` was read by the page before (or is new: the SCAN guarantees only keys
   * that exist throughout).
   */
  async #authorsPage(after: string | undefined, limit: number): Promise<CachePage> {
    const [step = '0', fromAuthor = '0', ...rest] = (after ?? '0').split(':');
    const fromPost = rest.join(':');
    const [next, keys] = await this.state.scan(step, 'MATCH', authorListingKey('*'), 'COUNT', AUTHORS_SCAN_COUNT);
    const authors = [...new Set(keys.flatMap((key) => AUTHOR_LISTING_KEY.exec(key)?.[1] ?? []).map(Number))].filter((a) => a >= Number(fromAuthor)).sort((a, b) => a - b);
    const startOf = (authorId: number) => (authorId === Number(fromAuthor) && fromPost !== '' ? `(${fromPost}` : '-');
    // How many entries each listing has left, then as many as the page has room for: two round trips.
    const counting = this.state.pipeline();
    for (const authorId of authors) counting.zlexcount(authorListingKey(authorId), startOf(authorId), '+');
    const counts = ((await counting.exec()) ?? []).map(([error, n]) => {
      if (error) throw error;
      return n as number;
    });
    const reads: Array<{ authorId: number; take: number }> = [];
    let room = limit;
    for (let i = 0; i < authors.length && room > 0; i++) {
      const take = Math.min(counts[i]!, room);
      if (take > 0) reads.push({ authorId: authors[i]!, take });
      room -= take;
    }
    const reading = this.state.pipeline();
    for (const { authorId, take } of reads) reading.zrange(authorListingKey(authorId), startOf(authorId), '+', 'BYLEX', 'LIMIT', 0, take);
    const listing: CacheListing = { profiles: [], listed: [] };
    ((await reading.exec()) ?? []).forEach(([error, ids], i) => {
      if (error) throw error;
      for (const id of ids as string[]) listing.listed.push({ id, inListing: false, authorIds: [reads[i]!.authorId] });
    });
    // A full page goes on after its last entry, in this step; otherwise the step is done.
    const last = listing.listed.at(-1);
    if (room === 0 && last) return { listing, next: `${step}:${last.authorIds[0]}:${last.id}` };
    return { listing, next: next === '0' ? null : next };
  }

  /** The listing's ZCARD, and the sum of every author's listing's (a SCAN step at a time, their ZCARDs pipelined). */
  totals(): Promise<CacheTotals> {
    return guarded(async () => {
      let authorListings = 0;
      for (let cursor = '0'; ; ) {
        const [next, keys] = await this.state.scan(cursor, 'MATCH', authorListingKey('*'), 'COUNT', AUTHORS_SCAN_COUNT);
        const listings = [...new Set(keys.filter((key) => AUTHOR_LISTING_KEY.test(key)))];
        if (listings.length > 0) {
          const pipeline = this.state.pipeline();
          for (const key of listings) pipeline.zcard(key);
          for (const [error, n] of (await pipeline.exec()) ?? []) {
            if (error) throw error;
            authorListings += n as number;
          }
        }
        if (next === '0') break;
        cursor = next;
      }
      return { listing: await this.state.zcard(POSTS_LISTING_KEY), authorListings };
    }, STATE_STORE_NAME);
  }

  repair(request: CacheRepair): Promise<CacheRepairResult> {
    return guarded(async () => {
      const result = { refreshed: 0, removed: 0, unchanged: 0, ...(await this.#repairListings(request)) };
      // The new value keeps the listed entry's position, so the projection's next change still wins
      // and an older redelivery still loses.
      const refresh = request.refresh;
      const current = refresh.length > 0 ? await this.redis.mget(refresh.map((r) => userKey(r.user.id))) : [];
      const pipeline = this.redis.pipeline();
      const kinds: Array<'refreshed' | 'removed'> = [];
      refresh.forEach((r, i) => {
        const raw = current[i];
        if (raw === null || raw === undefined || digestOf(raw) !== r.digest) {
          result.unchanged += 1;
          return;
        }
        const value = JSON.stringify({ ...r.user, position: parse(raw).position ?? 0 });
        pipeline.eval(COMPARE_AND_SET, 1, userKey(r.user.id), r.digest, 'set', value);
        kinds.push('refreshed');
      });
      for (const r of request.remove) {
        pipeline.eval(COMPARE_AND_SET, 1, userKey(r.id), r.digest, 'del', '');
        kinds.push('removed');
      }
      if (kinds.length > 0) {
        const replies = (await pipeline.exec()) ?? [];
        replies.forEach(([error, applied], i) => {
          if (error) throw error;
          if (applied === 1) result[kinds[i]!] += 1;
          else result.unchanged += 1;
        });
      }
      return result;
    });
  }

  #repairListings(request: CacheRepair): Promise<{ listed: number; unlisted: number }> {
    return guarded(async () => {
      const result = { listed: 0, unlisted: 0 };
      if (request.list.length === 0 && request.unlist.length === 0) return result;
      const pipeline = this.state.pipeline() as ReturnType<Redis['pipeline']> & { listPost(...args: [string, string, string, string]): unknown };
      for (const p of request.list) pipeline.listPost(postTombstoneKey(p.id), POSTS_LISTING_KEY, authorListingKey(p.authorId), p.id);
      for (const u of request.unlist) {
        if (u.inListing) pipeline.zrem(POSTS_LISTING_KEY, u.id);
        for (const authorId of u.authorIds) pipeline.zrem(authorListingKey(authorId), u.id);
      }
      const replies = (await pipeline.exec()) ?? [];
      replies.forEach(([error, reply], i) => {
        if (error) throw error;
        if (i < request.list.length) result.listed += reply === 1 ? 1 : 0;
      });
      result.unlisted = request.unlist.length;
      return result;
    }, STATE_STORE_NAME);
  }
}
