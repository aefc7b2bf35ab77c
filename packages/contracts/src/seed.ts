// The bulk paths `./stackctl seed` writes through: each source's owning service
// inserts a batch in one statement (the store's own bulk path), and the change
// capture and the outboxes carry every row to the projections as if it had been
// written one by one. Internal endpoints: the gateway does not expose them.
import { z } from 'zod';
import { CreatePostBody, CreateUserBody, Id } from './api.ts';

/** Rows per bulk request: a few hundred KiB of JSON, one statement in each store. */
export const SEED_BATCH_MAX = 5000;

const postId = z.string().regex(/^[0-9a-f]{24}$/, 'a post id is 24 hexadecimal characters');

export const BulkUsersBody = z.strictObject({
  /** Every user of the batch gets this password: the users service hashes it once (Argon2id), not once per user. */
  password: CreateUserBody.shape.password,
  users: z.array(CreateUserBody.pick({ email: true, name: true })).min(1).max(SEED_BATCH_MAX),
});
export type BulkUsersBody = z.infer<typeof BulkUsersBody>;

export const BulkUsersResult = z.object({
  created: z.number().int().nonnegative().describe('rows inserted; an email already taken is kept as it is'),
  users: z.array(z.object({ id: z.number().int().positive(), email: z.string() })).describe('the id of every email of the batch, new or not'),
});
export type BulkUsersResult = z.infer<typeof BulkUsersResult>;

export const BulkPostsBody = z.strictObject({
  posts: z
    .array(
      z.strictObject({
        _id: postId.describe('chosen by the seed (deterministic), so a resumed batch inserts nothing twice'),
        author_id: Id,
        title: CreatePostBody.shape.title,
        body: CreatePostBody.shape.body,
        tags: CreatePostBody.shape.tags,
        createdAt: z.iso.datetime(),
      }),
    )
    .min(1)
    .max(SEED_BATCH_MAX),
});
export type BulkPostsBody = z.infer<typeof BulkPostsBody>;

export const BulkPostsResult = z.object({ inserted: z.number().int().nonnegative().describe('posts inserted; an id already there is left as it is') });
export type BulkPostsResult = z.infer<typeof BulkPostsResult>;

export const BulkFollowsBody = z.strictObject({
  follows: z.array(z.strictObject({ followerId: Id, followeeId: Id })).min(1).max(SEED_BATCH_MAX),
});
export type BulkFollowsBody = z.infer<typeof BulkFollowsBody>;

export const BulkFollowsResult = z.object({ created: z.number().int().nonnegative().describe('edges created, each with its FOLLOW_CREATED in the outbox; existing ones and self-follows are skipped') });
export type BulkFollowsResult = z.infer<typeof BulkFollowsResult>;
