import type { Post } from '@polyglot/contracts/api';
import type { PostRepository } from '../data-access/post.repository.ts';
import { toObjectId } from './post-not-found.ts';
import { toPost } from './post-view.ts';

export interface ListPostsInput {
  limit: number;
  before?: string | undefined;
  /** undefined: every author; []: nobody (an empty feed), answered without a query. */
  authorIds?: number[] | undefined;
}

/** Newest first (ObjectIds grow with time); total counts every live post in scope, ignoring paging. */
export async function listPosts(repo: PostRepository, input: ListPostsInput): Promise<{ items: Post[]; total: number }> {
  if (input.authorIds?.length === 0) return { items: [], total: 0 };
  const { items, total } = await repo.list({
    limit: input.limit,
    ...(input.before ? { before: toObjectId(input.before) } : {}),
    ...(input.authorIds ? { authorIds: input.authorIds } : {}),
  });
  return { items: items.map(toPost), total };
}
