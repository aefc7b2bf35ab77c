// The reconciler's calls to the services that own the stores: one listing per
// store and one repair per store, each a single request whatever the number
// of entities (no call per user or post). The users service's GET /users
// already lists every user; the others answer GET /internal/reconcile.
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
} from '@polyglot/contracts/reconcile';
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
    async users(): Promise<User[]> {
      return (await users.get<User[]>('/users', listing)).body;
    },
    async posts(): Promise<PostsListing> {
      return (await posts.get<PostsListing>('/internal/reconcile', listing)).body;
    },
    async graph(): Promise<GraphListing> {
      return (await graph.get<GraphListing>('/internal/reconcile', listing)).body;
    },
    async analytics(): Promise<AnalyticsListing> {
      return (await analytics.get<AnalyticsListing>('/internal/reconcile', listing)).body;
    },
    async cache(): Promise<CacheListing> {
      return (await cache.get<CacheListing>('/internal/reconcile', listing)).body;
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
