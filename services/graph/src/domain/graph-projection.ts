// The pure half of the graph projection: one normalised change → the graph
// operations it implies. No I/O here, so it is tested on recorded messages.
import type { ChangeEvent } from '@polyglot/contracts/events';
import { z } from 'zod';
import type { GraphOperation } from '../data-access/graph-projection.repository.ts';

/** A change whose data lacks what its type promises: retrying cannot fix it. */
export class InvalidChangeError extends Error {
  constructor(event: ChangeEvent, reason: string) {
    super(`${event.type} ${event.eventId} cannot be projected: ${reason}`);
    this.name = 'InvalidChangeError';
  }
}

const userId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const UserData = z.object({ id: userId, name: z.string() }).loose();
const PostData = z.object({ _id: z.string().min(1), author_id: userId }).loose();
const DeletedPostData = z.object({ _id: z.string().min(1) }).loose();

function parse<S extends z.ZodType>(schema: S, event: ChangeEvent): z.output<S> {
  const parsed = schema.safeParse(event.data);
  if (!parsed.success) throw new InvalidChangeError(event, z.prettifyError(parsed.error));
  return parsed.data;
}

export function planGraphChange(event: ChangeEvent | null): GraphOperation[] {
  // A tombstone or a truncate: nothing to project.
  if (event === null) return [];
  switch (event.type) {
    case 'USER_CREATED':
    case 'USER_UPDATED': {
      const user = parse(UserData, event);
      return [{ kind: 'upsert-user', userId: user.id, name: user.name, position: event.position }];
    }
    case 'USER_DELETED': {
      const user = parse(UserData, event);
      return [
        {
          kind: 'delete-user',
          userId: user.id,
          position: event.position,
          occurredAt: event.occurredAt,
          ...(event.traceparent ? { traceparent: event.traceparent } : {}),
        },
      ];
    }
    case 'POST_CREATED': {
      const post = parse(PostData, event);
      return [{ kind: 'upsert-post', postId: post._id, authorId: post.author_id }];
    }
    case 'POST_DELETED': {
      const post = parse(DeletedPostData, event);
      return [{ kind: 'delete-post', postId: post._id }];
    }
    default:
      // Likes, comments, post edits and follow events change nothing in this graph.
      return [];
  }
}
