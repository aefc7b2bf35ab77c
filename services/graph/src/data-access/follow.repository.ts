// FOLLOWS edges in Neo4j. Every write changes the edge and appends its outbox
// event in one transaction (session.executeWrite): the event exists if and only
// if the change does. All Cypher is parameterised.
import type { Relationship } from '@polyglot/contracts/api';
import type { Driver, ManagedTransaction } from 'neo4j-driver';
import type { PendingOutboxEvent } from '../domain/follow-events.ts';
import type { FollowWriter } from '../domain/follow-user.use-case.ts';
import type { RelationshipReader } from '../domain/list-relationships.use-case.ts';
import type { UnfollowWriter } from '../domain/unfollow-user.use-case.ts';
import { NotFoundError } from '@polyglot/platform/errors';
import { int, onGraphStore } from './neo4j.ts';
import { appendOutbox } from './outbox.repository.ts';

// Writing a throwaway property takes a node's write lock: two identical follows
// (or a follow racing an unfollow) then run one after the other, and the second
// sees what the first committed, so there is never a duplicate edge or event.
// Both users are merged and locked lowest id first, so a→b racing b→a queue
// up instead of deadlocking; then a is the follower and b the followee.
const LOCK_PAIR = `
  SET low.__lock = true
  SET high.__lock = true
  REMOVE low.__lock, high.__lock
  WITH CASE WHEN low.id = $followerId THEN low ELSE high END AS a,
       CASE WHEN low.id = $followerId THEN high ELSE low END AS b`;

function pairParams(followerId: number, followeeId: number) {
  return {
    followerId: int(followerId),
    followeeId: int(followeeId),
    low: int(Math.min(followerId, followeeId)),
    high: int(Math.max(followerId, followeeId)),
  };
}

export class FollowRepository implements FollowWriter, UnfollowWriter, RelationshipReader {
  private readonly driver: Driver;

  constructor(driver: Driver) {
    this.driver = driver;
  }

  private async write<T>(work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    return onGraphStore(this.driver, async () => {
      const session = this.driver.session({ defaultAccessMode: 'WRITE' });
      try {
        return await session.executeWrite(work);
      } finally {
        await session.close();
      }
    });
  }

  follow(followerId: number, followeeId: number, event: PendingOutboxEvent): Promise<{ created: boolean; seq: number | null }> {
    const params = pairParams(followerId, followeeId);
    return this.write(async (tx) => {
      const existing = await tx.run(
        `MERGE (low:User {id: $low})
         MERGE (high:User {id: $high})
         ${LOCK_PAIR}
         OPTIONAL MATCH (a)-[f:FOLLOWS]->(b)
         WITH count(f) > 0 AS existed
         // Read after the locks: a deletion that committed meanwhile has left its tombstone.
         OPTIONAL MATCH (t:DeletedUser) WHERE t.id IN [$low, $high]
         RETURN existed, collect(t.id) AS deleted`,
        params,
      );
      const deleted = (existing.records[0]?.get('deleted') as number[] | undefined) ?? [];
      // Throwing rolls back the nodes merged above: a deleted user is never brought back as a nameless node.
      if (deleted.length > 0) throw new NotFoundError('USER_NOT_FOUND', `user ${deleted[0]} was deleted; pick another user`, { id: deleted[0] });
      if (existing.records[0]?.get('existed') === true) return { created: false, seq: null };
      await tx.run(
        `MATCH (a:User {id: $followerId})
         MATCH (b:User {id: $followeeId})
         CREATE (a)-[:FOLLOWS {createdAt: $createdAt}]->(b)`,
        { followerId: params.followerId, followeeId: params.followeeId, createdAt: event.occurredAt },
      );
      const [seq] = await appendOutbox(tx, [event]);
      return { created: true, seq: seq ?? null };
    });
  }

  unfollow(followerId: number, followeeId: number, event: PendingOutboxEvent): Promise<{ deleted: boolean; seq: number | null }> {
    const params = pairParams(followerId, followeeId);
    return this.write(async (tx) => {
      const result = await tx.run(
        `MATCH (low:User {id: $low})
         MATCH (high:User {id: $high})
         ${LOCK_PAIR}
         MATCH (a)-[f:FOLLOWS]->(b)
         DELETE f
         RETURN count(*) AS deleted`,
        params,
      );
      const deleted = ((result.records[0]?.get('deleted') as number | undefined) ?? 0) > 0;
      if (!deleted) return { deleted, seq: null };
      const [seq] = await appendOutbox(tx, [event]);
      return { deleted, seq: seq ?? null };
    });
  }

  relationships(): Promise<Relationship[]> {
    return onGraphStore(this.driver, async () => {
      const result = await this.driver.executeQuery(
        `MATCH (a:User)-[:FOLLOWS]->(b:User)
         RETURN DISTINCT a.id AS followerId, a.name AS followerName, b.id AS followeeId, b.name AS followeeName
         ORDER BY followerId, followeeId`,
        {},
        { routing: 'READ' },
      );
      return result.records.map((r) => ({
        followerId: r.get('followerId') as number,
        followerName: (r.get('followerName') as string | null) ?? null,
        followeeId: r.get('followeeId') as number,
        followeeName: (r.get('followeeName') as string | null) ?? null,
      }));
    });
  }

  followees(userId: number): Promise<number[]> {
    return this.ids('MATCH (:User {id: $id})-[:FOLLOWS]->(other:User) RETURN DISTINCT other.id AS id ORDER BY id', userId);
  }

  followers(userId: number): Promise<number[]> {
    return this.ids('MATCH (:User {id: $id})<-[:FOLLOWS]-(other:User) RETURN DISTINCT other.id AS id ORDER BY id', userId);
  }

  private ids(query: string, userId: number): Promise<number[]> {
    return onGraphStore(this.driver, async () => {
      const result = await this.driver.executeQuery(query, { id: int(userId) }, { routing: 'READ' });
      return result.records.map((r) => r.get('id') as number);
    });
  }

  /** Round trip to Neo4j for /health: auto-commit, so a dead store fails at once instead of being retried. */
  ping(): Promise<void> {
    return onGraphStore(this.driver, async () => {
      const session = this.driver.session({ defaultAccessMode: 'READ' });
      try {
        await session.run('RETURN 1 AS ok');
      } finally {
        await session.close();
      }
    });
  }
}
