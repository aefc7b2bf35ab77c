// The stored shape of a post. The outbox lives inside the document because
// FerretDB has no multi-document transactions: the change and its event are
// one single-document write.
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
  /** A tombstone: hidden from reads, removed by the relay once its events are out. */
  deleted?: true;
  /** Events not yet published, oldest first. */
  outbox: OutboxEvent[];
}

/** What a writer reads before it changes a post. */
export type LivePost = Omit<PostDocument, 'outbox' | 'deleted'>;

/** What list and get read: no outbox, comments reduced to their ids (to count them). */
export type PostSummary = Omit<LivePost, 'comments'> & { comments?: Array<Pick<CommentDocument, 'id'>> };

/** The fields a change may set (version and updatedAt are set by every change). */
export type PostChangeSet = Partial<Pick<PostDocument, 'title' | 'body' | 'tags' | 'meta' | 'comments' | 'deleted'>>;
