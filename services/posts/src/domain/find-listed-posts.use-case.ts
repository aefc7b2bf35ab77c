import type { ListedPost } from '@polyglot/contracts/post-events';
import type { PostRepository } from '../data-access/post.repository.ts';
import { toObjectId } from './post-not-found.ts';
import { toPost } from './post-view.ts';

/** The live posts among ids as lists show them, with their versions (the gateway's cache misses); unknown ids are left out. */
export async function findListedPosts(repo: PostRepository, ids: readonly string[]): Promise<ListedPost[]> {
  const found = await repo.findSummaries(ids.map(toObjectId));
  return found.map((post) => ({ ...toPost(post), version: post.version }));
}
