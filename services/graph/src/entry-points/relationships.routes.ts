import { ErrorBody, Relationship, UserIdParam } from '@polyglot/contracts/api';
import type { HttpApp } from '@polyglot/platform/http-app';
import { z } from 'zod';
import { listFollows, listRelationships, type RelationshipReader } from '../domain/list-relationships.use-case.ts';

const UserIds = z.array(z.number().int().positive()).describe('user ids, ascending');

export function registerRelationshipRoutes(app: HttpApp, store: RelationshipReader): void {
  app.get(
    '/relationships',
    {
      schema: {
        summary: 'Every follow, with both names (null until the user is projected), by follower then followee',
        response: { 200: z.array(Relationship), 503: ErrorBody },
      },
    },
    () => listRelationships(store),
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
