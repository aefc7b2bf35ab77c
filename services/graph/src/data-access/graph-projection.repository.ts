// Applies the projection's operations to Neo4j. Every operation is idempotent
// and users are guarded by their source position, so a replayed or reordered
// message never rolls a name back or resurrects state.
import type { Driver, ManagedTransaction } from 'neo4j-driver';
import { followEvent } from './follow-events.ts';
import { int, onGraphStore } from './neo4j.ts';
import { appendOutbox, PLANNED_ONCE } from './outbox.repository.ts';

/** What the projection plans for one change (domain/graph-projection.ts), and this repository applies. */
export type GraphOperation =
  | { kind: 'upsert-user'; userId: number; name: string; position: number }
  | { kind: 'delete-user'; userId: number; position: number; occurredAt: Date; traceparent?: string }
  | { kind: 'upsert-post'; postId: string; authorId: number }
  | { kind: 'delete-post'; postId: string };

export class GraphProjectionRepository {
  private readonly driver: Driver;

  constructor(driver: Driver) {
    this.driver = driver;
  }

  /** All operations of one message in one transaction. */
  async apply(operations: readonly GraphOperation[]): Promise<void> {
    await this.applyMany([operations]);
  }

  /**
   * The operations of several messages, in order, in one transaction: one commit instead of many. When
   * they make one statement (a run of upserts, one post's deletion: most batches), it runs as an
   * auto-commit transaction, one round trip to Neo4j instead of BEGIN, RUN and COMMIT. A lock conflict
   * there is not retried by the driver but by the consumer, which waits on transient errors.
   */
  async applyMany(batches: readonly (readonly GraphOperation[])[]): Promise<void> {
    const operations = batches.flat();
    if (operations.length === 0) return;
    const runs = runsOfKind(operations);
    await onGraphStore(this.driver, async () => {
      const session = this.driver.session({ defaultAccessMode: 'WRITE' });
      try {
        if (isOneStatement(runs)) await applyRun(session, runs[0]!);
        else await session.executeWrite(async (tx) => {
          for (const run of runs) await applyRun(tx, run);
        });
      } finally {
        await session.close();
      }
    });
  }
}

/** What runs Cypher: a transaction, or a session's auto-commit transaction. */
type CypherRunner = Pick<ManagedTransaction, 'run'>;

/** Whether the runs make a single statement, so that they need no explicit transaction. */
function isOneStatement(runs: readonly GraphOperation[][]): boolean {
  if (runs.length !== 1) return false;
  const [run] = runs as [GraphOperation[]];
  return run[0]!.kind === 'upsert-user' || run[0]!.kind === 'upsert-post' || (run.length === 1 && run[0]!.kind === 'delete-post');
}

async function applyRun(runner: CypherRunner, run: readonly GraphOperation[]): Promise<void> {
  if (run[0]!.kind === 'upsert-user') await upsertUsers(runner, run as UpsertUser[]);
  else if (run[0]!.kind === 'upsert-post') await upsertPosts(runner, run as UpsertPost[]);
  else for (const operation of run) await applyOne(runner, operation);
}

type UpsertUser = Extract<GraphOperation, { kind: 'upsert-user' }>;
type UpsertPost = Extract<GraphOperation, { kind: 'upsert-post' }>;

/** Consecutive operations of one kind together, order kept: a run of upserts is one statement. */
function runsOfKind(operations: readonly GraphOperation[]): GraphOperation[][] {
  const runs: GraphOperation[][] = [];
  for (const operation of operations) {
    const last = runs.at(-1);
    if (last && last[0]!.kind === operation.kind) last.push(operation);
    else runs.push([operation]);
  }
  return runs;
}

// A deleted user's tombstone wins over any change of theirs the log holds before the deletion;
// a change older than what the node holds changes nothing.
const UPSERT_USERS = `${PLANNED_ONCE} UNWIND $rows AS row
  OPTIONAL MATCH (t:DeletedUser {id: row.id}) USING INDEX t:DeletedUser(id)
  WITH row, t WHERE t IS NULL OR t.position < row.position
  MERGE (u:User {id: row.id})
  WITH u, row, (u.position IS NULL OR u.position < row.position) AS newer
  SET u.name = CASE WHEN newer THEN row.name ELSE u.name END,
      u.position = CASE WHEN newer THEN row.position ELSE u.position END`;

// The post of an author already deleted gets no author node back (the cascade deletes the post).
const UPSERT_POSTS = `${PLANNED_ONCE} UNWIND $rows AS row
  MERGE (p:Post {id: row.postId})
  WITH p, row
  OPTIONAL MATCH (t:DeletedUser {id: row.authorId}) USING INDEX t:DeletedUser(id)
  WITH p, row WHERE t IS NULL
  MERGE (u:User {id: row.authorId})
  MERGE (u)-[:POSTED]->(p)`;

async function upsertUsers(tx: CypherRunner, ops: readonly UpsertUser[]): Promise<void> {
  // One row per user, the newest: the statement reads every row's guard before it writes any, so
  // an older row after a newer one would win; applied one by one, the older would change nothing.
  const newest = new Map<number, UpsertUser>();
  for (const op of ops) if ((newest.get(op.userId)?.position ?? -1) < op.position) newest.set(op.userId, op);
  await tx.run(UPSERT_USERS, { rows: [...newest.values()].map((op) => ({ id: int(op.userId), name: op.name, position: int(op.position) })) });
}

async function upsertPosts(tx: CypherRunner, ops: readonly UpsertPost[]): Promise<void> {
  await tx.run(UPSERT_POSTS, { rows: ops.map((op) => ({ authorId: int(op.authorId), postId: op.postId })) });
}

async function applyOne(tx: CypherRunner, op: GraphOperation): Promise<void> {
  switch (op.kind) {
    case 'upsert-user':
      await upsertUsers(tx, [op]);
      return;
    case 'delete-user':
      await deleteUser(tx, op);
      return;
    case 'upsert-post':
      await upsertPosts(tx, [op]);
      return;
    case 'delete-post':
      // An author node that only this post brought into being (never projected from the
      // users log, no other edge) goes with it; otherwise a replay that sees the user's
      // deletion before the post's events would leave a nameless node behind.
      await tx.run(
        `${PLANNED_ONCE} MATCH (p:Post {id: $postId}) USING INDEX p:Post(id)
         OPTIONAL MATCH (author:User)-[:POSTED]->(p)
         DETACH DELETE p
         WITH author
         WHERE author IS NOT NULL AND author.position IS NULL AND NOT (author)--()
         DELETE author`,
        { postId: op.postId },
      );
      return;
  }
}

/**
 * The user's follows go with the user, and each one is announced as a
 * FOLLOW_DELETED outbox event in the same transaction: analytics and the feed
 * caches learn of it through the pipeline, like any unfollow.
 */
async function deleteUser(tx: CypherRunner, op: Extract<GraphOperation, { kind: 'delete-user' }>): Promise<void> {
  // Setting the position takes the node's write lock, so a follow touching this
  // user waits for the cascade instead of slipping an edge in without an event.
  const found = await tx.run(
    `${PLANNED_ONCE} MATCH (u:User {id: $id}) USING INDEX u:User(id)
     WHERE u.position IS NULL OR u.position < $position
     SET u.position = $position
     WITH u
     OPTIONAL MATCH (u)-[f:FOLLOWS]-(:User)
     // Grouped by u: no row at all when the guard rejected the delete.
     RETURN u.id AS id, collect(DISTINCT {followerId: startNode(f).id, followeeId: endNode(f).id}) AS follows`,
    { id: int(op.userId), position: int(op.position) },
  );
  const record = found.records[0];
  if (!record) return; // unknown user, or this delete is older than what the node holds
  const follows = (record.get('follows') as Array<{ followerId: number | null; followeeId: number | null }>).filter(
    (f): f is { followerId: number; followeeId: number } => f.followerId !== null && f.followeeId !== null,
  );
  await appendOutbox(
    tx,
    follows.map((f) => followEvent('FOLLOW_DELETED', f.followerId, f.followeeId, { occurredAt: op.occurredAt, traceparent: op.traceparent, cause: 'USER_DELETED' })),
  );
  // DETACH removes the FOLLOWS edges announced above and the user's POSTED edges. The tombstone
  // stays (user ids are never reused): a late post event or a follow racing the deletion cannot
  // bring the user back as a nameless node, as Redis keeps user:{id}:deleted for the same reason.
  await tx.run(
    `${PLANNED_ONCE} MATCH (u:User {id: $id}) USING INDEX u:User(id) DETACH DELETE u
     MERGE (t:DeletedUser {id: $id})
     SET t.position = $position`,
    { id: int(op.userId), position: int(op.position) },
  );
}
