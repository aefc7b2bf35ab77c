// What the `data` of each outbox event holds. Producers build these; projectors read them.
import { z } from 'zod';
import { Post } from './api.ts';

/**
 * The post as lists show it after the change, with its version: every post event but POST_DELETED
 * carries it as `data.post`, and the cache projection keeps it under post:{id}, so a page of posts
 * is built from Redis. Events recorded before it was added lack it; the projection then drops its copy.
 */
export const ListedPost = Post.omit({ user: true }).extend({ version: z.number().int().positive() });
export type ListedPost = z.infer<typeof ListedPost>;

export interface PostEventData {
  _id: string;
  author_id: number;
  title?: string;
  body?: string;
  tags?: string[];
  likes?: number;
  createdAt?: string;
  updatedAt?: string;
}

export interface PostLikedData {
  _id: string;
  author_id: number;
  likes: number;
  userId: number | null;
}

export interface CommentEventData {
  _id: string;
  commentId: string;
  author_id: number;
  post_author_id: number;
  body?: string;
}

export interface FollowEventData {
  followerId: number;
  followeeId: number;
}
