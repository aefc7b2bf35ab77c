// What the `data` of each outbox event holds. Producers build these; projectors read them.

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
