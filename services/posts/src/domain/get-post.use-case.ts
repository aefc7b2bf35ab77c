import type { Post } from '@polyglot/contracts/api';
import type { PostRepository } from '../data-access/post.repository.ts';
import { postNotFound, toObjectId } from './post-not-found.ts';
import { toPost } from './post-view.ts';

export async function getPost(repo: PostRepository, postId: string): Promise<Post> {
  const post = await repo.findSummary(toObjectId(postId));
  if (!post) throw postNotFound(postId);
  return toPost(post);
}
