import { ObjectId } from 'mongodb';
import type { CreatePostBody, Post } from '@polyglot/contracts/api';
import type { LivePost } from '../data-access/post-document.ts';
import type { PostRepository } from '../data-access/post.repository.ts';
import { newPostEvent, postSnapshotData, withListedPost, type ChangeContext } from './outbox-event.ts';
import { toPost } from './post-view.ts';

export async function createPost(repo: PostRepository, input: CreatePostBody, context: ChangeContext): Promise<Post> {
  const now = new Date();
  const post: LivePost = {
    _id: new ObjectId(),
    author_id: input.author_id,
    title: input.title,
    body: input.body,
    tags: input.tags,
    // Likes are counted by the server only, whatever the client sent.
    meta: { ...input.meta, likes: 0 },
    comments: [],
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  const created = newPostEvent({ type: 'POST_CREATED', postId: post._id.toHexString(), position: 1, actorId: post.author_id, data: withListedPost(postSnapshotData(post), post), occurredAt: now, context });
  await repo.insert({ ...post, lastEvent: created });
  context.committed = { postId: post._id.toHexString(), position: 1 };
  return toPost(post);
}
