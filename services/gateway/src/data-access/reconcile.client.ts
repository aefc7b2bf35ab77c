// The reconciler's calls to the services that own the stores: pages of one kind
// in each store's key order (and the live posts as a stream), listings of a
// scope of ids, each store's totals, and one repair per store, each a request
// per batch, never one per user or post.
import type { User } from '@polyglot/contracts/api';
import type {
  AnalyticsListing,
  AnalyticsRepair,
  AnalyticsRepairResult,
  CacheListing,
  CacheRepair,
  CacheRepairResult,
  GraphListing,
  GraphRepair,
  GraphRepairResult,
  PostsListing,
  ReconcileScope,
  AnalyticsPage,
  CacheKind,
  CachePage,
  CacheTotals,
  GraphPage,
  ReconcileKind,
  ReconcileTotals,
} from '@polyglot/contracts/reconcile';
import { MAX_USER_IDS } from '@polyglot/contracts/api';
import type { GatewayConfig } from '../config.ts';
import { ServiceClient } from './service-client.ts';

/** A listing of thousands of entities takes longer than an ordinary request's 5 s. */
export const LISTING_TIMEOUT_MS = 30_000;
export const REPAIR_TIMEOUT_MS = 60_000;

export function createReconcileClient(config: Pick<GatewayConfig, 'USERS_URL' | 'POSTS_URL' | 'GRAPH_URL' | 'ANALYTICS_URL' | 'PROJECTORS_URL' | 'INTERNAL_SECRET'>) {
  const secret = config.INTERNAL_SECRET;
  const users = new ServiceClient('users', 'PostgreSQL', config.USERS_URL, secret);
  const posts = new ServiceClient('posts', 'FerretDB/MongoDB', config.POSTS_URL, secret);
  const graph = new ServiceClient('graph', 'Neo4j', config.GRAPH_URL, secret);
  const analytics = new ServiceClient('analytics', 'TimescaleDB', config.ANALYTICS_URL, secret);
  const cache = new ServiceClient('projectors', 'Redis', config.PROJECTORS_URL, secret);
  const listing = { timeoutMs: LISTING_TIMEOUT_MS };
  const repair = { timeoutMs: REPAIR_TIMEOUT_MS };
  return {
    /** The users among ids (ids the users table no longer has are left out), MAX_USER_IDS per request. */
    async usersAmong(ids: readonly number[]): Promise<User[]> {
      const found: User[] = [];
      for (let start = 0; start < ids.length; start += MAX_USER_IDS) {
        found.push(...(await users.get<User[]>(`/users?ids=${ids.slice(start, start + MAX_USER_IDS).join(',')}`, listing)).body);
      }
      return found;
    },
    async postsAmong(scope: ReconcileScope): Promise<PostsListing> {
      return (await posts.post<PostsListing>('/internal/reconcile/scope', scope, listing)).body;
    },
    async graphAmong(scope: ReconcileScope): Promise<GraphListing> {
      return (await graph.post<GraphListing>('/internal/reconcile/scope', scope, listing)).body;
    },
    async analyticsAmong(scope: ReconcileScope): Promise<AnalyticsListing> {
      return (await analytics.post<AnalyticsListing>('/internal/reconcile/scope', scope, listing)).body;
    },
    async cacheAmong(scope: ReconcileScope): Promise<CacheListing> {
      return (await cache.post<CacheListing>('/internal/reconcile/scope', scope, listing)).body;
    },
    // ---- the full check's pages, in each store's key order ----
    async usersPage(after: number, limit: number): Promise<User[]> {
      return (await users.get<User[]>('/users', { ...listing, query: { after: after > 0 ? after : undefined, limit } })).body;
    },
    /** Every live post, streamed; throws if the stream ends without its closing line (a cut listing is not a listing). */
    async *livePosts(): AsyncGenerator<PostsListing['posts'][number]> {
      let count = 0;
      for await (const line of posts.lines('/internal/reconcile/stream', LISTING_TIMEOUT_MS)) {
        const row = JSON.parse(line) as PostsListing['posts'][number] | { end: true; count: number };
        if ('end' in row) {
          if (row.count !== count) throw posts.unavailable(new Error(`the stream of live posts said ${row.count} but carried ${count}`));
          return;
        }
        count += 1;
        yield row;
      }
      throw posts.unavailable(new Error('the stream of live posts ended before its closing line'));
    },
    async graphPage(kind: ReconcileKind, after: string | null, limit: number): Promise<GraphPage> {
      return (await graph.get<GraphPage>(`/internal/reconcile/page/${kind}`, { ...listing, query: { after: after ?? undefined, limit } })).body;
    },
    async analyticsPage(kind: ReconcileKind, after: string | null, limit: number): Promise<AnalyticsPage> {
      return (await analytics.get<AnalyticsPage>(`/internal/reconcile/page/${kind}`, { ...listing, query: { after: after ?? undefined, limit } })).body;
    },
    async cachePage(kind: CacheKind, after: string | null, limit: number): Promise<CachePage> {
      return (await cache.get<CachePage>(`/internal/reconcile/page/${kind}`, { ...listing, query: { after: after ?? undefined, limit } })).body;
    },
    async graphTotals(): Promise<ReconcileTotals> {
      return (await graph.get<ReconcileTotals>('/internal/reconcile/totals', listing)).body;
    },
    async analyticsTotals(): Promise<ReconcileTotals> {
      return (await analytics.get<ReconcileTotals>('/internal/reconcile/totals', listing)).body;
    },
    async cacheTotals(): Promise<CacheTotals> {
      return (await cache.get<CacheTotals>('/internal/reconcile/totals', listing)).body;
    },
    async repairGraph(body: GraphRepair): Promise<GraphRepairResult> {
      return (await graph.post<GraphRepairResult>('/internal/reconcile/repair', body, repair)).body;
    },
    async repairAnalytics(body: AnalyticsRepair): Promise<AnalyticsRepairResult> {
      return (await analytics.post<AnalyticsRepairResult>('/internal/reconcile/repair', body, repair)).body;
    },
    async repairCache(body: CacheRepair): Promise<CacheRepairResult> {
      return (await cache.post<CacheRepairResult>('/internal/reconcile/repair', body, repair)).body;
    },
    /** The posts service's own cascade for a deleted user: tombstones with POST_DELETED events, through the pipeline. */
    async deleteAuthorPosts(authorId: number): Promise<number> {
      return (await posts.post<{ deleted: number }>(`/internal/authors/${authorId}/delete-posts`, undefined, repair)).body.deleted;
    },
  };
}
export type ReconcileClient = ReturnType<typeof createReconcileClient>;
