import { NotFoundError } from '@polyglot/platform/errors';
import type { PostRepository } from '../data-access/post.repository.ts';
import type { ChangeContext } from './outbox-event.ts';
import { commentData } from './outbox-event.ts';
import { changePost } from './post-change.ts';
import { postNotFound, toObjectId } from './post-not-found.ts';

export async function deleteComment(repo: PostRepository, postId: string, commentId: string, context: ChangeContext): Promise<void> {
  const after = await changePost(
    repo,
    toObjectId(postId),
    (current) => {
      const comments = current.comments ?? [];
      const comment = comments.find((c) => c.id === commentId);
      if (!comment) throw new NotFoundError('COMMENT_NOT_FOUND', `no comment has id ${commentId} on post ${postId}`, { postId, commentId });
      // The whole array is rewritten: FerretDB's $pull only removes exact elements, and the version filter makes this safe.
      return {
        set: { comments: comments.filter((c) => c.id !== commentId) },
        type: 'COMMENT_DELETED',
        // No session reaches this service: the change is attributed to the comment's author.
        actorId: comment.author_id,
        data: (post) => commentData(post, comment, false),
      };
    },
    context,
  );
  if (!after) throw postNotFound(postId);
}
