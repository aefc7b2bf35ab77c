import type { PostRepository } from '../data-access/post.repository.ts';
import type { ChangeContext } from './outbox-event.ts';
import { postDeletedData } from './outbox-event.ts';
import { changePost, type Plan } from './post-change.ts';
import { postNotFound, toObjectId } from './post-not-found.ts';

/** A delete writes one last version that carries POST_DELETED to the log; then the document goes (post.repository.ts). */
export const deletion: Plan = (current) => ({ set: { deleted: true }, type: 'POST_DELETED', actorId: current.author_id, data: postDeletedData });

export async function deletePost(repo: PostRepository, postId: string, context: ChangeContext): Promise<void> {
  const after = await changePost(repo, toObjectId(postId), deletion, context);
  if (!after) throw postNotFound(postId);
}
