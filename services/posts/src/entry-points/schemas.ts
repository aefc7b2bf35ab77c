// Shapes this service answers with that the public contract does not define
// (the gateway reshapes them), and the error responses every route declares.
import { z } from 'zod';
import { ErrorBody, ListPostsQuery, Post } from '@polyglot/contracts/api';
import { ProjectionHealth } from '@polyglot/contracts/health';

const authorId = /^[1-9][0-9]{0,15}$/;

/** ListPostsQuery plus authorIds=1,2,3 (the gateway's feed); an empty value means no author at all. */
export const PostsQuery = ListPostsQuery.extend({
  authorIds: z
    .string()
    .max(20_000)
    .refine((v) => v === '' || v.split(',').every((id) => authorId.test(id)), 'authorIds is a comma-separated list of user ids')
    .transform((v) => (v === '' ? [] : [...new Set(v.split(',').map(Number))]))
    .refine((ids) => ids.length <= 1000, 'at most 1000 authorIds')
    .optional(),
});

export const PostPage = z.object({
  items: z.array(Post),
  total: z.number().int().nonnegative().describe('live posts in scope (all, or those of authorIds), ignoring limit and before'),
});

export const DeletedCount = z.object({ deleted: z.number().int().nonnegative() });

export const NoContent = z.null().describe('no content');

export const errorResponses = {
  400: ErrorBody,
  404: ErrorBody,
  413: ErrorBody,
  415: ErrorBody,
  503: ErrorBody,
} as const;

export const PostsHealth = z.object({
  status: z.enum(['ok', 'degraded']),
  checks: z.object({ mongo: z.enum(['ok', 'down']) }),
  userCascade: ProjectionHealth.nullable().describe('the USER_DELETED consumer, in the shape of every consumer; null when switched off'),
  error: z.string().optional(),
  code: z.string().optional(),
});
