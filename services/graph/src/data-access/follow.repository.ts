// FOLLOWS edges in Neo4j. Every write changes the edge and appends its outbox
// event in one transaction (session.executeWrite): the event exists if and only
// if the change does. All Cypher is parameterised.
import type { Relationship } from '@polyglot/contracts/api';
import type { Driver, ManagedTransaction } from 'neo4j-driver';
import type { PendingOutboxEvent } from './follow-events.ts';
import { NotFoundError } from '@polyglot/platform/errors';
import { storeWrite } from '@polyglot/platform/tracing';
import { int, onGraphStore } from './neo4j.ts';
import { APPEND_OUTBOX, outboxEventsParam, PLANNED_ONCE } from './outbox.repository.ts';

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

/** A page of follow edges: after this edge (by follower, then followee), at most limit. */
export interface RelationshipPage {
  after?: { followerId: number; followeeId: number } | undefined;
  limit?: number | undefined;
  /** Only the follows this user is in, as follower or followee. */
  userId?: number | undefined;
}

export class FollowRepository {
  private readonly driver: Driver;

  constructor(driver: Driver) {
    this.driver = driver;
  }

  /** One write transaction; inside a trace, a span named by what it does to the FOLLOWS edges. */
  private async write<T>(operation: 'CREATE' | 'DELETE', work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    return storeWrite('neo4j', operation, 'FOLLOWS', () =>
      onGraphStore(this.driver, async () => {
        const session = this.driver.session({ defaultAccessMode: 'WRITE' });
        try {
          return await session.executeWrite(work);
        } finally {
          await session.close();
        }
      }),
    );
  }

  // Each write is one statement: the check, the change and its outbox event in one round trip to Neo4j.
  follow(followerId: number, followeeId: number, event: PendingOutboxEvent): Promise<{ created: boolean; seq: number | null }> {
    const params = pairParams(followerId, followeeId);
    return this.write('CREATE', async (tx) => {
      const result = await tx.run(
        `${PLANNED_ONCE}
         MERGE (low:User {id: $low})
         MERGE (high:User {id: $high})
         ${LOCK_PAIR}
         // Read after the locks: a deletion that committed meanwhile has left its tombstone.
         OPTIONAL MATCH (t:DeletedUser) USING INDEX t:DeletedUser(id) WHERE t.id IN [$low, $high]
         WITH a, b, collect(t.id) AS deleted
         OPTIONAL MATCH (a)-[f:FOLLOWS]->(b)
         WITH a, b, deleted, count(f) > 0 AS existed
         CALL (a, b, deleted, existed) {
           WITH a, b WHERE size(deleted) = 0 AND NOT existed
           CREATE (a)-[:FOLLOWS {createdAt: $createdAt}]->(b)
           ${APPEND_OUTBOX}
         }
         // The new edge keeps its event's sequence, the position its token names, so a read of the
         // edge says which follow it shows (the history checker). When none was made, nothing is set.
         WITH a, b, existed, deleted, seqs
         OPTIONAL MATCH (a)-[made:FOLLOWS]->(b) WHERE size(seqs) > 0
         FOREACH (edge IN CASE WHEN made IS NULL THEN [] ELSE [made] END | SET edge.position = seqs[0])
         RETURN existed, deleted, seqs`,
        { ...params, createdAt: event.occurredAt, events: outboxEventsParam([event]) },
      );
      const record = result.records[0];
      const deleted = (record?.get('deleted') as number[] | undefined) ?? [];
      // Throwing rolls back the nodes merged above: a deleted user is never brought back as a nameless node.
      if (deleted.length > 0) throw new NotFoundError('USER_NOT_FOUND', `user ${deleted[0]} was deleted; pick another user`, { id: deleted[0] });
      if (record?.get('existed') === true) return { created: false, seq: null };
      return { created: true, seq: (record?.get('seqs') as number[] | undefined)?.[0] ?? null };
    });
  }

  unfollow(followerId: number, followeeId: number, event: PendingOutboxEvent): Promise<{ deleted: boolean; seq: number | null }> {
    const params = pairParams(followerId, followeeId);
    return this.write('DELETE', async (tx) => {
      const result = await tx.run(
        `${PLANNED_ONCE}
         MATCH (low:User {id: $low}) USING INDEX low:User(id)
         MATCH (high:User {id: $high}) USING INDEX high:User(id)
         ${LOCK_PAIR}
         OPTIONAL MATCH (a)-[f:FOLLOWS]->(b)
         DELETE f
         WITH count(f) > 0 AS deleted
         CALL (deleted) {
           WITH deleted WHERE deleted
           ${APPEND_OUTBOX}
         }
         RETURN deleted, seqs`,
        { ...params, events: outboxEventsParam([event]) },
      );
      const deleted = result.records[0]?.get('deleted') === true;
      return { deleted, seq: deleted ? ((result.records[0]?.get('seqs') as number[] | undefined)?.[0] ?? null) : null };
    });
  }

  /**
   * The seed's bulk path: the edges of a batch in one transaction, each new one with its FOLLOW_CREATED
   * in the outbox; existing edges, self-follows and deleted users are skipped. MERGE makes a pair that
   * appears twice in a batch one edge.
   */
  followMany(pairs: ReadonlyArray<{ followerId: number; followeeId: number }>, eventFor: (followerId: number, followeeId: number) => PendingOutboxEvent): Promise<number> {
    return this.write('CREATE', async (tx) => {
      const created = await tx.run(
        `${PLANNED_ONCE}
         UNWIND $pairs AS p
         WITH p WHERE p.followerId <> p.followeeId
           AND NOT EXISTS { MATCH (t:DeletedUser) WHERE t.id IN [p.followerId, p.followeeId] }
         MERGE (a:User {id: p.followerId})
         MERGE (b:User {id: p.followeeId})
         MERGE (a)-[f:FOLLOWS]->(b)
           ON CREATE SET f.createdAt = $createdAt, f.__seeded = true
         WITH p, f WHERE f.__seeded
         REMOVE f.__seeded
         RETURN p.followerId AS followerId, p.followeeId AS followeeId`,
        { pairs: pairs.map((p) => ({ followerId: int(p.followerId), followeeId: int(p.followeeId) })), createdAt: new Date().toISOString() },
      );
      const events = created.records.map((r) => eventFor(r.get('followerId') as number, r.get('followeeId') as number));
      if (events.length > 0) await tx.run(`${PLANNED_ONCE} ${APPEND_OUTBOX}`, { events: outboxEventsParam(events) });
      return events.length;
    });
  }

  relationships(page: RelationshipPage = {}): Promise<Relationship[]> {
    const after = page.after ?? { followerId: 0, followeeId: 0 };
    return onGraphStore(this.driver, async () => {
      // From the follower's index entry onwards, in the index's order: a page reads about a page of edges.
      // One user's follows: that user's edges both ways, found from its index entry.
      const edges =
        page.userId === undefined
          ? `MATCH (a:User) USING INDEX a:User(id) WHERE a.id >= $afterFollower
             WITH a ORDER BY a.id
             MATCH (a)-[:FOLLOWS]->(b:User)
             WHERE a.id > $afterFollower OR b.id > $afterFollowee`
          : `CALL () {
               MATCH (a:User {id: $userId})-[:FOLLOWS]->(b:User) RETURN a, b
               UNION
               MATCH (a:User)-[:FOLLOWS]->(b:User {id: $userId}) RETURN a, b
             }
             WITH a, b WHERE a.id > $afterFollower OR (a.id = $afterFollower AND b.id > $afterFollowee)`;
      const result = await this.driver.executeQuery(
        `${edges}
         WITH DISTINCT a, b ORDER BY a.id, b.id
         ${page.limit === undefined ? '' : 'LIMIT $limit'}
         RETURN a.id AS followerId, a.name AS followerName, b.id AS followeeId, b.name AS followeeName`,
        { afterFollower: int(after.followerId), afterFollowee: int(after.followeeId), ...(page.limit === undefined ? {} : { limit: int(page.limit) }), ...(page.userId === undefined ? {} : { userId: int(page.userId) }) },
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
