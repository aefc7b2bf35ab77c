// GET /analytics: totals, per-type counts, the newest rows, a per-minute series and the most active users.
import { Analytics, ErrorBody } from '@polyglot/contracts/api';
import type { HttpApp } from '@polyglot/platform/http-app';
import type { EventRepository } from '../data-access/event.repository.ts';
import { getAnalytics } from '../domain/get-analytics.use-case.ts';

export function analyticsRoutes(app: HttpApp, events: EventRepository): void {
  app.get(
    '/analytics',
    {
      schema: {
        summary: 'Figures of the events hypertable, computed by TimescaleDB',
        response: { 200: Analytics, 500: ErrorBody, 503: ErrorBody },
      },
    },
    () => getAnalytics(events),
  );
}
