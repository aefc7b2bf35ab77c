// The graph service (Neo4j): follows, and relationships with names.
import type { Relationship } from '@polyglot/contracts/api';
import type { StoreObservations } from '@polyglot/contracts/observations';
import { ServiceClient, type Written } from './service-client.ts';

export interface FollowResult {
  followerId: number;
  followeeId: number;
  created: boolean;
}

export function createGraphClient(baseUrl: string, secret: string) {
  const http = new ServiceClient('graph', 'Neo4j', baseUrl, secret);
  return {
    http,
    async follow(followerId: number, followeeId: number): Promise<Written<FollowResult>> {
      const r = await http.post<FollowResult>('/follow', { followerId, followeeId });
      return { value: r.body, token: r.token };
    },
    /** 404 FOLLOW_NOT_FOUND passes through as UpstreamError. */
    async unfollow(followerId: number, followeeId: number): Promise<Written<null>> {
      const r = await http.delete('/follow', { followerId, followeeId });
      return { value: null, token: r.token };
    },
    /** Follows by follower then followee (only one user's with userId), after one, at most limit. */
    async relationships(page: { after?: { followerId: number; followeeId: number } | undefined; limit: number; userId?: number | undefined }): Promise<Relationship[]> {
      const after = page.after ? `${page.after.followerId}:${page.after.followeeId}` : undefined;
      return (await http.get<Relationship[]>('/relationships', { query: { after, limit: page.limit, userId: page.userId } })).body;
    },
    /** The source position of this user or post the graph shows (null: none); for the consistency lab. */
    async shownPosition(source: 'users' | 'posts', entityId: string): Promise<number | null> {
      return (await http.get<{ position: number | null }>(`/internal/positions/${source}/${entityId}`)).body.position;
    },
    /** What Neo4j shows of these users, or follows (FOLLOWER:FOLLOWEE), as source positions (the history checker's read). */
    async observe(source: 'users' | 'graph', ids: readonly string[]): Promise<StoreObservations['observed']> {
      return (await http.post<StoreObservations>('/internal/observations', { source, ids })).body.observed;
    },
    async followees(userId: number): Promise<number[]> {
      return (await http.get<number[]>(`/users/${userId}/followees`)).body;
    },
  };
}
export type GraphClient = ReturnType<typeof createGraphClient>;
