import type { PostRepository } from '../data-access/post.repository.ts';
import type { ChangeContext } from './outbox-event.ts';
import { deletion } from './delete-post.use-case.ts';
import { changePost } from './post-change.ts';

/**
 * Deletes every live post of an author, each with its own POST_DELETED.
 * Idempotent: posts already deleted are skipped, so a redelivered
 * USER_DELETED publishes nothing twice.
 */
export async function deleteAuthorPosts(repo: PostRepository, authorId: number, context: ChangeContext): Promise<number> {
  let deleted = 0;
  for (const id of await repo.liveIdsOfAuthor(authorId)) {
    if (await changePost(repo, id, deletion, context)) deleted++;
  }
  return deleted;
}
