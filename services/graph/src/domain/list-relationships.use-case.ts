import type { Relationship } from '@polyglot/contracts/api';

export interface RelationshipReader {
  relationships(): Promise<Relationship[]>;
  followees(userId: number): Promise<number[]>;
  followers(userId: number): Promise<number[]>;
}

/** Every follow edge with both names (null until the projection has seen the user). */
export function listRelationships(store: RelationshipReader): Promise<Relationship[]> {
  return store.relationships();
}

/** Who the user follows, or who follows the user; an unknown user simply has none. */
export function listFollows(store: RelationshipReader, userId: number, direction: 'followees' | 'followers'): Promise<number[]> {
  return direction === 'followees' ? store.followees(userId) : store.followers(userId);
}
