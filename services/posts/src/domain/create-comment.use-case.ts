import { randomUUID } from 'node:crypto';
import type { Comment } from '@polyglot/contracts/api';
import type { CommentDocument } from '../data-access/post-document.ts';
import type { PostRepository } from '../data-access/post.repository.ts';
import type { ChangeContext } from './outbox-event.ts';
import { commentData } from './outbox-event.ts';
import { changePost } from './post-change.ts';
import { postNotFound, toObjectId } from './post-not-found.ts';
import { toComment } from './post-view.ts';

export async function createComment(repo: PostRepository, postId: string, input: { author_id: number; body: string }, context: ChangeContext): Promise<Comment> {
  const comment: CommentDocument = { id: randomUUID(), author_id: input.author_id, body: input.body, createdAt: new Date() };
  const after = await changePost(
    repo,
    toObjectId(postId),
    (current) => ({
      set: { comments: [...(current.comments ?? []), comment] },
      type: 'COMMENT_CREATED',
      actorId: comment.author_id,
      data: (post) => commentData(post, comment, true),
    }),
    context,
  );
  if (!after) throw postNotFound(postId);
  return toComment(postId, comment);
}
