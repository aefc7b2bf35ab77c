import type { Relationship } from '@polyglot/contracts/api';
import type { RelationshipPage } from '../data-access/follow.repository.ts';

export interface RelationshipReader {
  relationships(page?: RelationshipPage): Promise<Relationship[]>;
  followees(userId: number): Promise<number[]>;
  followers(userId: number): Promise<number[]>;
}

/** Follow edges with both names (null until the projection has seen the user), by follower then followee, after a follow, at most limit. */
export function listRelationships(store: RelationshipReader, page: RelationshipPage = {}): Promise<Relationship[]> {
  return store.relationships(page);
}

/** Who the user follows, or who follows the user; an unknown user simply has none. */
export function listFollows(store: RelationshipReader, userId: number, direction: 'followees' | 'followers'): Promise<number[]> {
  return direction === 'followees' ? store.followees(userId) : store.followers(userId);
}
