// When a user is deleted (Debezium's delete on users-db.public.users), their
// posts go too: each with its POST_DELETED, captured from the store's log
// like every other change.
import type { Logger } from 'pino';
import { normalizeUserChange, UnparseableMessageError } from '@polyglot/contracts/events';
import { topics } from '@polyglot/contracts/topics';
import { SupervisedConsumer } from '@polyglot/platform/consumer';
import { PermanentError, type InboundMessage } from '@polyglot/platform/kafka';
import type { PostRepository } from '../data-access/post.repository.ts';
import { deleteAuthorPosts } from '../domain/delete-author-posts.use-case.ts';

/** USER_DELETED → the author's posts deleted; everything else is ignored; a message that does not parse is dead-lettered at once. */
export function userCascadeHandler(posts: PostRepository, logger: Logger): (message: InboundMessage) => Promise<void> {
  return async (message) => {
    let change;
    try {
      change = normalizeUserChange(message.value);
    } catch (error) {
      if (error instanceof UnparseableMessageError) throw new PermanentError(error.message, { cause: error });
      throw error;
    }
    if (change?.type !== 'USER_DELETED') return;
    const authorId = Number(change.entityId);
    // The posts' deletions continue the trace of the user's deletion (carried by its row: events.ts).
    const deleted = await deleteAuthorPosts(posts, authorId, change.traceparent ? { traceparent: change.traceparent } : {});
    logger.info({ authorId, deleted, eventId: change.eventId }, 'user deleted: their posts are deleted');
  };
}

/** Started in the background: Kafka being down must not keep the HTTP API from serving. */
export function createUserCascade(posts: PostRepository, groupId: string, logger: Logger): SupervisedConsumer {
  return new SupervisedConsumer({
    groupId,
    topics: [topics.userChanges],
    logger,
    // The store being down never sends a user's deletion to the dead letters: the loop
    // waits for it however long it takes (isStoreUnavailable), so the posts do go.
    handle: userCascadeHandler(posts, logger),
  });
}
