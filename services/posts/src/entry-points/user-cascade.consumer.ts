// When a user is deleted (Debezium's delete on users-db.public.users), their
// posts go too: each is tombstoned with its POST_DELETED, through the same
// outbox and relay as every other change.
import type { Logger } from 'pino';
import { normalizeUserChange, UnparseableMessageError } from '@polyglot/contracts/events';
import { topics } from '@polyglot/contracts/topics';
import { ConsumerLoop, PermanentError, type InboundMessage } from '@polyglot/platform/kafka';
import type { ProjectionFaults } from '@polyglot/platform/projection-faults';
import type { PostRepository } from '../data-access/post.repository.ts';
import { deleteAuthorPosts } from '../domain/delete-author-posts.use-case.ts';
import { traceparentFrom } from '../domain/outbox-event.ts';

/** USER_DELETED → tombstones; everything else is ignored; a message that does not parse is dead-lettered at once. */
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
    const traceparent = traceparentFrom(message.headers.traceparent);
    const deleted = await deleteAuthorPosts(posts, authorId, traceparent ? { traceparent } : {});
    logger.info({ authorId, deleted, eventId: change.eventId }, 'user deleted: their posts are tombstoned');
  };
}

export function createUserCascadeConsumer(posts: PostRepository, groupId: string, logger: Logger, faults?: ProjectionFaults): ConsumerLoop {
  return new ConsumerLoop({
    ...(faults ? { faults } : {}),
    groupId,
    topics: [topics.userChanges],
    logger,
    // The store being down never sends a user's deletion to the dead letters: the loop
    // waits for it however long it takes (isStoreUnavailable), so the posts do go.
    handle: userCascadeHandler(posts, logger),
  });
}
