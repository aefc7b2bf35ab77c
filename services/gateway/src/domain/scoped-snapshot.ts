// Every store's listing of a set of entities (a scope), each store asked about
// those ids only, through its indexes: the unit of work of both the incremental
// check and the streamed full check. findDrift judges a post or a follow by
// whether its users exist, so a post's author and a follow's two users are
// always among the users the sources are asked about.
import type { User } from '@polyglot/contracts/api';
import type { PostsListing, ReconcileScope } from '@polyglot/contracts/reconcile';
import type { ReconcileClient } from '../data-access/reconcile.client.ts';
import type { Snapshot } from './find-drift.ts';

/** What the caller already read from the sources (the full check streams them), so it is not asked again. */
export interface KnownSources {
  users?: readonly User[];
  posts?: PostsListing['posts'];
}

/**
 * projectionsOfUsers false: the projections are not asked about the users (the full check's posts and follows
 * passes, which compare only posts or follows: the users they name are looked up at their source only).
 */
export async function scopedSnapshot(client: ReconcileClient, asked: ReconcileScope, known: KnownSources = {}, projectionsOfUsers = true): Promise<Snapshot> {
  const posts: PostsListing = known.posts ? { posts: [...known.posts] } : asked.posts.length > 0 ? await client.postsAmong(asked) : { posts: [] };
  const needed = new Set(asked.users);
  for (const p of asked.posts) if (p.authorId !== null) needed.add(p.authorId);
  for (const p of posts.posts) needed.add(p.authorId);
  for (const f of asked.follows) needed.add(f.followerId).add(f.followeeId);
  const knownUsers = new Map((known.users ?? []).map((u) => [u.id, u]));
  const authors = new Map(posts.posts.map((p) => [p.id, p.authorId]));
  const scope: ReconcileScope = {
    users: [...needed],
    posts: asked.posts.map((p) => ({ id: p.id, authorId: authors.get(p.id) ?? p.authorId })),
    follows: asked.follows,
  };
  const projected = projectionsOfUsers ? scope : { ...scope, users: [] };
  const [fetched, graph, analytics, cache] = await Promise.all([
    client.usersAmong(scope.users.filter((id) => !knownUsers.has(id))),
    client.graphAmong(projected),
    client.analyticsAmong(projected),
    client.cacheAmong(projected),
  ]);
  return { users: [...knownUsers.values(), ...fetched], posts, graph, analytics, cache };
}
