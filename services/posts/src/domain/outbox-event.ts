// The events a post change appends to its outbox, with the data shapes of
// @polyglot/contracts/post-events.
import { randomUUID } from 'node:crypto';
import type { EventType, OutboxEvent } from '@polyglot/contracts/events';
import type { CommentEventData, PostEventData, PostLikedData } from '@polyglot/contracts/post-events';
import type { ListedPost } from '@polyglot/contracts/post-events';
import type { CommentDocument, LivePost } from '../data-access/post-document.ts';
import { toPost } from './post-view.ts';

/** What a request passes down to the events it causes, and gets back from them. */
export interface ChangeContext {
  traceparent?: string;
  /** Set when the change committed: the event's place in the post's log (its consistency token). */
  committed?: { postId: string; position: number };
}

export interface NewEvent {
  type: EventType;
  postId: string;
  /** The post's version after the change. */
  position: number;
  actorId: number | null;
  data: Record<string, unknown>;
  occurredAt: Date;
  context: ChangeContext;
}

export function newPostEvent(e: NewEvent): OutboxEvent {
  return {
    eventId: randomUUID(),
    type: e.type,
    aggregate: 'post',
    aggregateId: e.postId,
    position: e.position,
    occurredAt: e.occurredAt.toISOString(),
    actorId: e.actorId,
    data: e.data,
    ...(e.context.traceparent ? { traceparent: e.context.traceparent } : {}),
  };
}

export function postSnapshotData(post: LivePost): Record<string, unknown> {
  const data: PostEventData = {
    _id: post._id.toHexString(),
    author_id: post.author_id,
    title: post.title,
    body: post.body,
    tags: post.tags,
    likes: post.meta?.likes ?? 0,
    createdAt: post.createdAt.toISOString(),
    updatedAt: post.updatedAt.toISOString(),
  };
  return { ...data };
}

export function postDeletedData(post: LivePost): Record<string, unknown> {
  const data: PostEventData = { _id: post._id.toHexString(), author_id: post.author_id };
  return { ...data };
}

export function postLikedData(post: LivePost, userId: number | null): Record<string, unknown> {
  const data: PostLikedData = { _id: post._id.toHexString(), author_id: post.author_id, likes: post.meta?.likes ?? 0, userId };
  return { ...data };
}

export function commentData(post: LivePost, comment: CommentDocument, withBody: boolean): Record<string, unknown> {
  const data: CommentEventData = {
    _id: post._id.toHexString(),
    commentId: comment.id,
    author_id: comment.author_id,
    post_author_id: post.author_id,
    ...(withBody ? { body: comment.body } : {}),
  };
  return { ...data };
}

/** The event's data with the post as lists show it after the change (`post`; see ListedPost), unless the post is gone. */
export function withListedPost(data: Record<string, unknown>, after: LivePost | null): Record<string, unknown> {
  if (after === null) return data;
  const post: ListedPost = { ...toPost(after), version: after.version };
  return { ...data, post };
}
