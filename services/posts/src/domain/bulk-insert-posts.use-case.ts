import { ObjectId } from 'mongodb';
import type { BulkPostsBody } from '@polyglot/contracts/seed';
import type { LivePost } from '../data-access/post-document.ts';
import type { PostRepository } from '../data-access/post.repository.ts';
import { newPostEvent, postSnapshotData, withListedPost } from './outbox-event.ts';

/**
 * The seed's posts, in one insert. Each carries its POST_CREATED as every created post does, so the capture
 * publishes it and every projection applies it like any other creation.
 */
export async function bulkInsertPosts(repo: PostRepository, input: BulkPostsBody): Promise<{ inserted: number }> {
  const documents = input.posts.map((p) => {
    const createdAt = new Date(p.createdAt);
    const post: LivePost = { _id: ObjectId.createFromHexString(p._id), author_id: p.author_id, title: p.title, body: p.body, tags: p.tags, meta: { likes: 0 }, comments: [], createdAt, updatedAt: createdAt, version: 1 };
    const lastEvent = newPostEvent({ type: 'POST_CREATED', postId: p._id, position: 1, actorId: p.author_id, data: withListedPost(postSnapshotData(post), post), occurredAt: createdAt, context: {} });
    return { ...post, lastEvent };
  });
  return { inserted: await repo.insertMany(documents) };
}
