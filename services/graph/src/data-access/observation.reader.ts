// What Neo4j shows of users and follows, as source positions (the history checker's read).
import type { StoreObservation } from '@polyglot/contracts/observations';
import type { Driver } from 'neo4j-driver';
import { int, onGraphStore } from './neo4j.ts';

// A :User keeps the position of the last change projected onto it; one the graph made before its
// USER_CREATED arrived (a follow MERGEs it) has none yet, and shows no state of the user. A deleted
// user leaves a :DeletedUser tombstone with the deletion's position.
const USERS = `UNWIND $ids AS id
  OPTIONAL MATCH (u:User {id: id})
  OPTIONAL MATCH (t:DeletedUser {id: id})
  RETURN id, u.position AS position, t.position AS deletedAt`;

// A FOLLOWS edge keeps the outbox sequence of the follow that made it; an unfollow removes it. An edge
// made before edges kept it (or by the seed's bulk path) reads as 0: older than any write.
const FOLLOWS = `UNWIND $pairs AS p
  OPTIONAL MATCH (:User {id: p.followerId})-[f:FOLLOWS]->(:User {id: p.followeeId})
  RETURN p.followerId AS followerId, p.followeeId AS followeeId, f IS NOT NULL AS follows, coalesce(f.position, 0) AS position`;

const absent: StoreObservation = { position: null, deleted: false };

export class ObservationReader {
  private readonly driver: Driver;

  constructor(driver: Driver) {
    this.driver = driver;
  }

  /** By user id; a user both alive and tombstoned cannot be (ids are never reused): the tombstone wins. */
  users(ids: readonly number[]): Promise<Map<number, StoreObservation>> {
    return onGraphStore(this.driver, async () => {
      const result = await this.driver.executeQuery(USERS, { ids: ids.map(int) }, { routing: 'READ' });
      const seen = new Map<number, StoreObservation>(ids.map((id) => [id, absent]));
      for (const r of result.records) {
        const deletedAt = r.get('deletedAt') as number | null;
        const position = r.get('position') as number | null;
        seen.set(r.get('id') as number, deletedAt !== null ? { position: deletedAt, deleted: true } : position !== null ? { position, deleted: false } : absent);
      }
      return seen;
    });
  }

  /** By "FOLLOWER:FOLLOWEE". */
  follows(pairs: ReadonlyArray<{ followerId: number; followeeId: number }>): Promise<Map<string, StoreObservation>> {
    return onGraphStore(this.driver, async () => {
      const result = await this.driver.executeQuery(FOLLOWS, { pairs: pairs.map((p) => ({ followerId: int(p.followerId), followeeId: int(p.followeeId) })) }, { routing: 'READ' });
      const seen = new Map<string, StoreObservation>(pairs.map((p) => [`${p.followerId}:${p.followeeId}`, absent]));
      for (const r of result.records) {
        if (r.get('follows') === true) seen.set(`${r.get('followerId') as number}:${r.get('followeeId') as number}`, { position: r.get('position') as number, deleted: false });
      }
      return seen;
    });
  }
}
