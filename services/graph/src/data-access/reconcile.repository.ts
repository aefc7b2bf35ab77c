// What the reconciler needs from Neo4j: the projected users, the posts with
// their POSTED edges and the follows, of a scope of ids (one read transaction,
// so the three agree) or a page of one kind in id order; the totals; and the
// repairs, each a parameterised UNWIND over the rows.
import type { GraphListing, GraphPage, GraphRepair, GraphRepairResult, ReconcileKind, ReconcileScope, ReconcileTotals } from '@polyglot/contracts/reconcile';
import type { Driver, ManagedTransaction } from 'neo4j-driver';
import { followEvent } from './follow-events.ts';
import { int, onGraphStore } from './neo4j.ts';
import { appendOutbox } from './outbox.repository.ts';

const count = async (tx: ManagedTransaction, query: string, params: Record<string, unknown>): Promise<number> => {
  const result = await tx.run(query, params);
  return Number(result.records[0]?.get('n') ?? 0);
};

export class ReconcileRepository {
  private readonly driver: Driver;

  constructor(driver: Driver) {
    this.driver = driver;
  }

  /** The given users, posts and follows, each found through its index. */
  listing(scope: ReconcileScope): Promise<GraphListing> {
    return onGraphStore(this.driver, async () => {
      const session = this.driver.session({ defaultAccessMode: 'READ' });
      try {
        return await session.executeRead(async (tx) => {
          const users = await tx.run('UNWIND $ids AS id MATCH (u:User {id: id}) RETURN u.id AS id, u.name AS name', { ids: scope.users.map(int) });
          const posts = await tx.run('UNWIND $ids AS id MATCH (p:Post {id: id}) OPTIONAL MATCH (a:User)-[:POSTED]->(p) RETURN p.id AS id, collect(a.id) AS authors', { ids: scope.posts.map((p) => p.id) });
          const follows = await tx.run(
            'UNWIND $pairs AS pair MATCH (a:User {id: pair.followerId})-[f:FOLLOWS]->(b:User {id: pair.followeeId}) RETURN a.id AS followerId, b.id AS followeeId, f.createdAt AS createdAt',
            { pairs: scope.follows.map((f) => ({ followerId: int(f.followerId), followeeId: int(f.followeeId) })) },
          );
          return {
            users: users.records.map((r) => ({ id: r.get('id') as number, name: (r.get('name') as string | null) ?? null })),
            posts: posts.records.map((r) => ({ id: String(r.get('id')), authors: r.get('authors') as number[] })),
            follows: follows.records.map((r) => ({
              followerId: r.get('followerId') as number,
              followeeId: r.get('followeeId') as number,
              createdAt: (r.get('createdAt') as string | null) ?? null,
            })),
          };
        });
      } finally {
        await session.close();
      }
    });
  }

  /** One kind in id order after `after` (users: a number, posts: an id, follows: FOLLOWER:FOLLOWEE), through the indexes. */
  page(kind: ReconcileKind, after: string | undefined, limit: number): Promise<GraphPage> {
    return onGraphStore(this.driver, async () => {
      const listing: GraphListing = { users: [], posts: [], follows: [] };
      const read = (query: string, params: Record<string, unknown>) => this.driver.executeQuery(query, { ...params, limit: int(limit) }, { routing: 'READ' });
      if (kind === 'users') {
        const result = await read('MATCH (u:User) USING INDEX u:User(id) WHERE u.id > $after RETURN u.id AS id, u.name AS name ORDER BY u.id LIMIT $limit', { after: int(Number(after ?? 0)) });
        listing.users = result.records.map((r) => ({ id: r.get('id') as number, name: (r.get('name') as string | null) ?? null }));
        return { listing, next: listing.users.length === limit ? String(listing.users.at(-1)!.id) : null };
      }
      if (kind === 'posts') {
        const result = await read(
          'MATCH (p:Post) USING INDEX p:Post(id) WHERE p.id > $after WITH p ORDER BY p.id LIMIT $limit OPTIONAL MATCH (a:User)-[:POSTED]->(p) RETURN p.id AS id, collect(a.id) AS authors ORDER BY id',
          { after: after ?? '' },
        );
        listing.posts = result.records.map((r) => ({ id: String(r.get('id')), authors: r.get('authors') as number[] }));
        return { listing, next: listing.posts.length === limit ? listing.posts.at(-1)!.id : null };
      }
      const [follower, followee] = (after ?? '0:0').split(':').map(Number) as [number, number];
      const result = await read(
        `MATCH (a:User) USING INDEX a:User(id) WHERE a.id >= $follower
         WITH a ORDER BY a.id
         MATCH (a)-[f:FOLLOWS]->(b:User)
         WHERE a.id > $follower OR b.id > $followee
         WITH a, b, f ORDER BY a.id, b.id LIMIT $limit
         RETURN a.id AS followerId, b.id AS followeeId, f.createdAt AS createdAt`,
        { follower: int(follower || 0), followee: int(followee || 0) },
      );
      listing.follows = result.records.map((r) => ({ followerId: r.get('followerId') as number, followeeId: r.get('followeeId') as number, createdAt: (r.get('createdAt') as string | null) ?? null }));
      const last = listing.follows.at(-1);
      return { listing, next: listing.follows.length === limit && last ? `${last.followerId}:${last.followeeId}` : null };
    });
  }

  /** Nodes and edges, from Neo4j's count store. */
  totals(): Promise<ReconcileTotals> {
    return onGraphStore(this.driver, async () => {
      const one = async (query: string) => Number((await this.driver.executeQuery(query, {}, { routing: 'READ' })).records[0]?.get('n') ?? 0);
      return { users: await one('MATCH (u:User) RETURN count(u) AS n'), posts: await one('MATCH (p:Post) RETURN count(p) AS n'), follows: await one('MATCH (:User)-[f:FOLLOWS]->(:User) RETURN count(f) AS n') };
    });
  }

  /** Every repair in one transaction, users first, so a post can be linked to an author restored just before. */
  repair(request: GraphRepair): Promise<GraphRepairResult> {
    return onGraphStore(this.driver, async () => {
      const session = this.driver.session({ defaultAccessMode: 'WRITE' });
      try {
        return await session.executeWrite(async (tx) => {
          const usersUpserted = await count(tx, 'UNWIND $rows AS row MERGE (u:User {id: row.id}) SET u.name = row.name RETURN count(u) AS n', {
            rows: request.upsertUsers.map((u) => ({ id: int(u.id), name: u.name })),
          });
          const { usersDeleted, followsAnnounced } = await deleteUsers(tx, request.deleteUsers);
          const postsDeleted = await count(tx, 'UNWIND $ids AS id MATCH (p:Post {id: id}) DETACH DELETE p RETURN count(*) AS n', { ids: request.deletePosts });
          // The author's node must exist (restored above if it was missing); an edge from anyone else goes.
          const postsLinked = await count(
            tx,
            `UNWIND $rows AS row
             MATCH (u:User {id: row.authorId})
             MERGE (p:Post {id: row.postId})
             MERGE (u)-[:POSTED]->(p)
             WITH u, p
             OPTIONAL MATCH (other:User)-[wrong:POSTED]->(p) WHERE other <> u
             DELETE wrong
             RETURN count(DISTINCT p) AS n`,
            { rows: request.linkPosts.map((l) => ({ postId: l.postId, authorId: int(l.authorId) })) },
          );
          return { usersUpserted, usersDeleted, followsAnnounced, postsDeleted, postsLinked };
        });
      } finally {
        await session.close();
      }
    });
  }
}

/**
 * Like the projection's deletion of a user: its follows go with it, each
 * announced as FOLLOW_DELETED in the same transaction, because FOLLOWS edges
 * are a source of truth whose changes the pipeline must hear about.
 */
async function deleteUsers(tx: ManagedTransaction, ids: readonly number[]): Promise<{ usersDeleted: number; followsAnnounced: number }> {
  if (ids.length === 0) return { usersDeleted: 0, followsAnnounced: 0 };
  // Writing a property first takes each node's write lock: a follow racing this waits for it.
  const found = await tx.run(
    `UNWIND $ids AS id
     MATCH (u:User {id: id})
     SET u.__reconcile = true
     REMOVE u.__reconcile
     WITH u
     OPTIONAL MATCH (u)-[f:FOLLOWS]-(:User)
     WITH collect(DISTINCT u) AS users, collect(DISTINCT f) AS edges
     RETURN size(users) AS users, [e IN edges | {followerId: startNode(e).id, followeeId: endNode(e).id}] AS follows`,
    { ids: ids.map(int) },
  );
  const record = found.records[0];
  const follows = ((record?.get('follows') as Array<{ followerId: number; followeeId: number }> | undefined) ?? []).filter((f) => f.followerId !== null && f.followeeId !== null);
  await appendOutbox(
    tx,
    follows.map((f) => followEvent('FOLLOW_DELETED', f.followerId, f.followeeId, { cause: 'USER_DELETED' })),
  );
  // Tombstoned like a projected deletion, so nothing late brings these users back.
  await tx.run(
    `UNWIND $ids AS id MATCH (u:User {id: id})
     WITH u, id, coalesce(u.position, 0) AS position
     DETACH DELETE u
     MERGE (t:DeletedUser {id: id})
     SET t.position = CASE WHEN t.position IS NULL OR t.position < position THEN position ELSE t.position END`,
    { ids: ids.map(int) },
  );
  return { usersDeleted: Number(record?.get('users') ?? 0), followsAnnounced: follows.length };
}
