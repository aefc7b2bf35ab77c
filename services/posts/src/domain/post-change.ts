// Optimistic concurrency for every change of an existing post: read it, compute
// the change, write it with a filter on the version that was read, retry on a
// miss. The event's position is the new version, so positions of one post are
// distinct and increasing, and no concurrent change is lost.
import type { ObjectId } from 'mongodb';
import type { EventType } from '@polyglot/contracts/events';
import { AppError } from '@polyglot/platform/errors';
import type { LivePost, PostChangeSet } from '../data-access/post-document.ts';
import type { PostRepository } from '../data-access/post.repository.ts';
import { newPostEvent, withListedPost, type ChangeContext } from './outbox-event.ts';

export interface PlannedChange {
  set: PostChangeSet;
  type: EventType;
  actorId: number | null;
  /** The event's data, from the post as it is after the change. */
  data(after: LivePost): Record<string, unknown>;
}

/** Computes the change from the current post; may throw (e.g. a missing comment). */
export type Plan = (current: LivePost) => PlannedChange;

const MAX_ATTEMPTS = 50;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Outcome = { kind: 'missing' } | { kind: 'conflict' } | { kind: 'done'; post: LivePost };

/** The post after the change, or null when there is no live post with this id. */
export async function changePost(repo: PostRepository, id: ObjectId, plan: Plan, context: ChangeContext): Promise<LivePost | null> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const outcome = await repo.withWriteLock(id, async (): Promise<Outcome> => {
      const current = await repo.findForChange(id);
      if (!current) return { kind: 'missing' };
      const change = plan(current);
      const updatedAt = new Date();
      const version = current.version + 1;
      const after: LivePost = { ...current, ...change.set, updatedAt, version };
      const event = newPostEvent({ type: change.type, postId: id.toHexString(), position: version, actorId: change.actorId, data: withListedPost(change.data(after), change.type === 'POST_DELETED' ? null : after), occurredAt: updatedAt, context });
      const committed = await repo.commitChange(id, current.version, { ...change.set, updatedAt }, event);
      if (!committed) return { kind: 'conflict' };
      context.committed = { postId: id.toHexString(), position: version };
      return { kind: 'done', post: after };
    });
    if (outcome.kind === 'missing') return null;
    if (outcome.kind === 'done') return outcome.post;
    // Another process won the race (MongoDB without a lock): back off a little, with jitter.
    await sleep(Math.random() * Math.min(100, 2 ** attempt));
  }
  throw new AppError('STORE_UNAVAILABLE', `post ${id.toHexString()} is being changed by too many writers at once; try again shortly`, { postId: id.toHexString() });
}
