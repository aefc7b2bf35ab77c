// What PostgreSQL shows of some users, for a recorded history: each present
// one at the position that names its state (user.repository.ts observe), each
// absent one as nothing. The users table keeps no tombstone: a deleted user
// is absent, like one never created.
import type { StoreObservations } from '@polyglot/contracts/observations';
import type { UsersDeps } from './users-deps.ts';

export async function observeUsers(deps: UsersDeps, ids: readonly string[]): Promise<StoreObservations> {
  const { present, position } = await deps.users.observe(ids.map(Number));
  const alive = new Set(present);
  return { observed: Object.fromEntries(ids.map((id) => [id, alive.has(Number(id)) ? { position: Number(position), deleted: false } : { position: null, deleted: false }])) };
}
