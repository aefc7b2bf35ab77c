// GET /analytics: every figure is computed by TimescaleDB, from one snapshot,
// so the totals, the per-type counts and the newest rows agree with each other.
import type { Analytics } from '@polyglot/contracts/api';
import type { EventRepository } from '../data-access/event.repository.ts';

export const NEWEST_EVENTS = 50;
export const TOP_USERS = 10;

export function getAnalytics(events: EventRepository): Promise<Analytics> {
  return events.summary({ newest: NEWEST_EVENTS, topUsers: TOP_USERS, seriesWindow: '1 hour', bucket: '1 minute' });
}
