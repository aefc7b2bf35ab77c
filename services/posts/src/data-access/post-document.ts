// The stored shape of a post. Each version carries the domain event of the
// change that made it (lastEvent): the store's log holds every version, and
// Debezium reads the event from there (@polyglot/contracts/post-capture), so
// the change and its event are one single-document write, with no outbox to
// clear afterwards.
import type { ObjectId } from 'mongodb';
import type { OutboxEvent } from '@polyglot/contracts/events';

export type MetaValue = string | number | boolean | null;

export type PostMetaDocument = { likes: number } & Record<string, MetaValue>;

export interface CommentDocument {
  id: string;
  author_id: number;
  body: string;
  createdAt: Date;
}

export interface PostDocument {
  _id: ObjectId;
  author_id: number;
  title: string;
  body: string;
  tags: string[];
  meta: PostMetaDocument;
  comments: CommentDocument[];
  createdAt: Date;
  updatedAt: Date;
  /** 1 at creation, +1 on every change: the position of the change's event. */
  version: number;
  /** The deletion's version, written so its event reaches the log; the document is removed right after. */
  deleted?: true;
  /** The event of the change that made this version. */
  lastEvent: OutboxEvent;
  /** Events a stack made before posts were captured from the log had not yet published (see legacy-outbox.ts). */
  outbox?: OutboxEvent[];
}

/** What a writer reads before it changes a post. */
export type LivePost = Omit<PostDocument, 'lastEvent' | 'outbox' | 'deleted'>;

/** What list and get read: no event, comments reduced to their ids (to count them). */
export type PostSummary = Omit<LivePost, 'comments'> & { comments?: Array<Pick<CommentDocument, 'id'>> };

/** The fields a change may set (version and updatedAt are set by every change). */
export type PostChangeSet = Partial<Pick<PostDocument, 'title' | 'body' | 'tags' | 'meta' | 'comments' | 'deleted'>>;
