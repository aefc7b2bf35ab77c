import type { Post } from '@polyglot/contracts/api';
import type { PostRepository } from '../data-access/post.repository.ts';
import type { ChangeContext } from './outbox-event.ts';
import { postLikedData } from './outbox-event.ts';
import { changePost } from './post-change.ts';
import { postNotFound, toObjectId } from './post-not-found.ts';
import { toPost } from './post-view.ts';

export async function likePost(repo: PostRepository, postId: string, userId: number | null, context: ChangeContext): Promise<Post> {
  const after = await changePost(
    repo,
    toObjectId(postId),
    (current) => ({
      set: { meta: { ...current.meta, likes: (current.meta?.likes ?? 0) + 1 } },
      type: 'POST_LIKED',
      actorId: userId,
      data: (post) => postLikedData(post, userId),
    }),
    context,
  );
  if (!after) throw postNotFound(postId);
  return toPost(after);
}
