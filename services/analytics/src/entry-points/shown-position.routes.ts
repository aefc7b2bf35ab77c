// What TimescaleDB shows of one entity, as a source position: the consistency
// lab reads it right after a write to tell a fresh read from a stale one.
import type pg from 'pg';
import { ErrorBody } from '@polyglot/contracts/api';
import { ShownPosition, ShownPositionParams } from '@polyglot/contracts/consistency';
import type { HttpApp } from '@polyglot/platform/http-app';
import { guarded } from '../data-access/timescale-pool.ts';

export function shownPositionRoutes(app: HttpApp, pool: pg.Pool): void {
  app.get(
    '/internal/positions/:source/:entityId',
    { schema: { summary: 'The highest source position of this entity recorded in events (the consistency lab)', params: ShownPositionParams, response: { 200: ShownPosition, 400: ErrorBody, 503: ErrorBody } } },
    async (request) => {
      const { source, entityId } = request.params;
      const result = await guarded(() =>
        pool.query<{ position: string | null }>('SELECT max(position)::text AS position FROM events WHERE entity_id = $1 AND source = $2', [entityId, source]),
      );
      const position = result.rows[0]?.position;
      return { position: position === null || position === undefined ? null : Number(position) };
    },
  );
}
