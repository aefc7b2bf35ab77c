import type { Post, UpdatePostBody } from '@polyglot/contracts/api';
import { AppError } from '@polyglot/platform/errors';
import type { PostChangeSet } from '../data-access/post-document.ts';
import type { PostRepository } from '../data-access/post.repository.ts';
import type { ChangeContext } from './outbox-event.ts';
import { postSnapshotData } from './outbox-event.ts';
import { changePost } from './post-change.ts';
import { postNotFound, toObjectId } from './post-not-found.ts';
import { toPost } from './post-view.ts';

export async function updatePost(repo: PostRepository, postId: string, input: UpdatePostBody, context: ChangeContext): Promise<Post> {
  const after = await changePost(
    repo,
    toObjectId(postId),
    (current) => {
      // Checked against the post as it is in this change, so no concurrent write can slip between.
      if (input.author_id !== undefined && input.author_id !== current.author_id) {
        throw new AppError(
          'AUTHOR_CHANGE_NOT_ALLOWED',
          `the author of a post cannot change: post ${postId} is by user ${current.author_id}, not ${input.author_id}; send its own author_id or leave author_id out`,
        );
      }
      const set: PostChangeSet = {};
      if (input.title !== undefined) set.title = input.title;
      if (input.body !== undefined) set.body = input.body;
      if (input.tags !== undefined) set.tags = input.tags;
      // The client replaces its free-form keys; likes stay the server's count.
      if (input.meta !== undefined) set.meta = { ...input.meta, likes: current.meta?.likes ?? 0 };
      // No session reaches this service: the change is attributed to the post's author.
      return { set, type: 'POST_UPDATED', actorId: current.author_id, data: postSnapshotData };
    },
    context,
  );
  if (!after) throw postNotFound(postId);
  return toPost(after);
}
