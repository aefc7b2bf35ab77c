import { ObjectId } from 'mongodb';
import { NotFoundError } from '@polyglot/platform/errors';

export function postNotFound(postId: string): NotFoundError {
  return new NotFoundError('POST_NOT_FOUND', `no post has id ${postId}`, { postId });
}

/** Ids reach the domain already validated (24 lowercase hex digits) by the route schemas. */
export function toObjectId(postId: string): ObjectId {
  return ObjectId.createFromHexString(postId);
}
