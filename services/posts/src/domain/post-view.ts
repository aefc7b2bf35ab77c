// Stored documents → the API's shapes. Never exposes the outbox, the version,
// the tombstone flag or the comments array.
import type { Comment, Post } from '@polyglot/contracts/api';
import type { CommentDocument, PostSummary } from '../data-access/post-document.ts';

export function toPost(doc: PostSummary): Post {
  return {
    _id: doc._id.toHexString(),
    author_id: doc.author_id,
    title: doc.title,
    body: doc.body,
    tags: doc.tags ?? [],
    meta: { ...doc.meta, likes: doc.meta?.likes ?? 0 },
    comments_count: doc.comments?.length ?? 0,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

export function toComment(postId: string, comment: CommentDocument): Comment {
  return { id: comment.id, post_id: postId, author_id: comment.author_id, body: comment.body, createdAt: comment.createdAt.toISOString() };
}
