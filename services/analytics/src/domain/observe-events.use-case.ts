// What TimescaleDB shows of some entities, for a recorded history: the source
// position of each one's latest event, a deletion when that event deleted it
// (the table keeps a deleted entity's last event, so a deletion has a
// position here), nothing when it recorded no event of it.
import type { ChangeEvent } from '@polyglot/contracts/events';
import type { ObservationRequest, StoreObservations } from '@polyglot/contracts/observations';
import { AppError } from '@polyglot/platform/errors';

const DELETIONS = new Set(['USER_DELETED', 'POST_DELETED', 'FOLLOW_DELETED']);

const ID: Record<ObservationRequest['source'], RegExp> = { users: /^[1-9][0-9]*$/, posts: /^[0-9a-f]{24}$/, graph: /^[1-9][0-9]*:[1-9][0-9]*$/ };

export interface LatestEvents {
  latestEvents(source: ChangeEvent['source'], ids: readonly string[]): Promise<Map<string, { position: number; eventType: string }>>;
}

export async function observeEvents(events: LatestEvents, request: ObservationRequest): Promise<StoreObservations> {
  const bad = request.ids.filter((id) => !ID[request.source].test(id));
  if (bad.length > 0) throw new AppError('VALIDATION_FAILED', `${bad.slice(0, 3).join(', ')}: not ${request.source === 'graph' ? 'FOLLOWER:FOLLOWEE' : `a ${request.source === 'users' ? 'user' : 'post'} id`}`);
  const latest = await events.latestEvents(request.source, request.ids);
  return {
    observed: Object.fromEntries(
      request.ids.map((id) => {
        const event = latest.get(id);
        return [id, event ? { position: event.position, deleted: DELETIONS.has(event.eventType) } : { position: null, deleted: false }];
      }),
    ),
  };
}
