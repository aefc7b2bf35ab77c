// What the graph shows of one entity, as a source position: the consistency
// lab reads it right after a write to tell a fresh read from a stale one.
import type { Driver } from 'neo4j-driver';
import { z } from 'zod';
import { ShownPosition, ShownPositionParams } from '@polyglot/contracts/consistency';
import { ErrorBody } from '@polyglot/contracts/api';
import type { HttpApp } from '@polyglot/platform/http-app';
import { int, onGraphStore } from '../data-access/neo4j.ts';

// A :User keeps the position of the last change projected onto it; a :Post exists from
// its creation (position 1) until its deletion. Follows are born here: no projection to ask about.
const QUERIES = {
  users: 'MATCH (u:User {id: $id}) RETURN u.position AS position',
  posts: 'MATCH (p:Post {id: $id}) RETURN 1 AS position',
} as const;

const Params = ShownPositionParams.extend({ source: z.enum(['users', 'posts']) });

export function registerShownPositionRoutes(app: HttpApp, driver: Driver): void {
  app.get(
    '/internal/positions/:source/:entityId',
    { schema: { summary: 'The source position of this entity the graph shows (the consistency lab)', params: Params, response: { 200: ShownPosition, 400: ErrorBody, 503: ErrorBody } } },
    async (request) =>
      onGraphStore(driver, async () => {
        const { source, entityId } = request.params;
        const id = source === 'posts' ? entityId : int(Number(entityId));
        const result = await driver.executeQuery(QUERIES[source], { id }, { routing: 'READ' });
        const position = result.records[0]?.get('position') as { toNumber(): number } | number | null | undefined;
        return { position: position === null || position === undefined ? null : typeof position === 'number' ? position : position.toNumber() };
      }),
  );
}
