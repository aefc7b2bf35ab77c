// What the graph shows of some users (its projection) or follows (its own),
// for a recorded history. Posts are left out: the graph keeps a post's
// existence and author, not its version, so it has no position to tell.
import type { ObservationRequest, StoreObservation, StoreObservations } from '@polyglot/contracts/observations';
import { AppError } from '@polyglot/platform/errors';

export interface GraphObserver {
  users(ids: readonly number[]): Promise<Map<number, StoreObservation>>;
  follows(pairs: ReadonlyArray<{ followerId: number; followeeId: number }>): Promise<Map<string, StoreObservation>>;
}

export async function observeGraph(reader: GraphObserver, request: ObservationRequest): Promise<StoreObservations> {
  if (request.source === 'users') {
    const bad = request.ids.filter((id) => !/^[1-9][0-9]*$/.test(id));
    if (bad.length > 0) throw new AppError('VALIDATION_FAILED', `user ids are whole numbers, not ${bad.slice(0, 3).join(', ')}`);
    const seen = await reader.users(request.ids.map(Number));
    return { observed: Object.fromEntries(request.ids.map((id) => [id, seen.get(Number(id))!])) };
  }
  if (request.source === 'graph') {
    const pairs = request.ids.map((id) => {
      const match = /^([1-9][0-9]*):([1-9][0-9]*)$/.exec(id);
      if (!match) throw new AppError('VALIDATION_FAILED', `a follow is FOLLOWER:FOLLOWEE, not ${id}`);
      return { followerId: Number(match[1]), followeeId: Number(match[2]) };
    });
    const seen = await reader.follows(pairs);
    return { observed: Object.fromEntries(request.ids.map((id) => [id, seen.get(id)!])) };
  }
  throw new AppError('VALIDATION_FAILED', 'the graph keeps no position of a post (only that it exists and who wrote it); ask the posts service or the projections');
}
