import { ErrorBody, MAX_LIST_LIMIT, Relationship, RelationshipCursor, RelationshipsPageQuery, UserIdParam } from '@polyglot/contracts/api';
import type { HttpApp } from '@polyglot/platform/http-app';
import { z } from 'zod';
import { listFollows, listRelationships, type RelationshipReader } from '../domain/list-relationships.use-case.ts';

const UserIds = z.array(z.number().int().positive()).describe('user ids, ascending');

export function registerRelationshipRoutes(app: HttpApp, store: RelationshipReader): void {
  app.get(
    '/relationships',
    {
      schema: {
        summary: 'Follows with both names (null until the user is projected), by follower then followee; a page after `after`, at most `limit`; with `userId`, only those that user is in',
        querystring: z.strictObject({ after: RelationshipCursor.optional(), limit: z.coerce.number().int().min(1).max(MAX_LIST_LIMIT + 1).optional(), userId: RelationshipsPageQuery.shape.userId }),
        response: { 200: z.array(Relationship), 400: ErrorBody, 503: ErrorBody },
      },
    },
    (request) => listRelationships(store, request.query),
  );

  for (const direction of ['followees', 'followers'] as const) {
    app.get(
      `/users/:id/${direction}`,
      {
        schema: {
          summary: direction === 'followees' ? 'Ids of the users this user follows' : 'Ids of the users following this user',
          params: UserIdParam,
          response: { 200: UserIds, 400: ErrorBody, 503: ErrorBody },
        },
      },
      (request) => listFollows(store, request.params.id, direction),
    );
  }
}
