// Shapes this service answers with that the public contract does not define
// (the gateway reshapes them), and the error responses every route declares.
import { z } from 'zod';
import { ErrorBody } from '@polyglot/contracts/api';
import { ListedPost } from '@polyglot/contracts/post-events';
import { ProjectionHealth, TracingHealth } from '@polyglot/contracts/health';

const postId = /^[0-9a-f]{24}$/;

/** The gateway's misses when it builds a page from the cache: at most a page and one more. */
export const PostIdsQuery = z.strictObject({
  ids: z
    .string()
    .max(201 * 25)
    .transform((v) => (v === '' ? [] : [...new Set(v.split(','))]))
    .refine((ids) => ids.every((id) => postId.test(id)), 'ids is a comma-separated list of post ids (24 hexadecimal characters each)')
    .refine((ids) => ids.length <= 201, 'at most 201 ids'),
});

export const ListedPosts = z.array(ListedPost);

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
  tracing: TracingHealth,
  error: z.string().optional(),
  code: z.string().optional(),
});
