import type { Comment } from '@polyglot/contracts/api';
import type { PostRepository } from '../data-access/post.repository.ts';
import { postNotFound, toObjectId } from './post-not-found.ts';
import { toComment } from './post-view.ts';

/** Oldest first. */
export async function listComments(repo: PostRepository, postId: string): Promise<Comment[]> {
  const comments = await repo.findComments(toObjectId(postId));
  if (!comments) throw postNotFound(postId);
  return [...comments].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()).map((c) => toComment(postId, c));
}
