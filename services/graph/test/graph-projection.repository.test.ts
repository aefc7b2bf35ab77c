// The I/O half of the graph projection against the real Neo4j: operations
// planned from Debezium-shaped messages (users, posts) and the graph's outbox ones, applied and replayed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { normalizeMessage } from '@polyglot/contracts/events';
import { topics } from '@polyglot/contracts/topics';
import { capturedPost } from '@polyglot/contracts/test-fixtures/message-builders';
import { FollowRepository } from '../src/data-access/follow.repository.ts';
import { GraphProjectionRepository } from '../src/data-access/graph-projection.repository.ts';
import { followEvent } from '../src/data-access/follow-events.ts';
import { planGraphChange } from '../src/domain/graph-projection.ts';
import { cleanUp, openNeo4j, outboxFor, testUserIds, type Neo4jDriver } from './support.ts';

let driver: Neo4jDriver;
let projection: GraphProjectionRepository;
let follows: FollowRepository;
const madeUsers: number[] = [];
const madePosts: string[] = [];

before(() => {
  driver = openNeo4j();
  projection = new GraphProjectionRepository(driver);
  follows = new FollowRepository(driver);
});

after(async () => {
  await cleanUp(driver, madeUsers, madePosts);
  await driver.close();
});

function users(count: number): number[] {
  const ids = testUserIds(count);
  madeUsers.push(...ids);
  return ids;
}

function postId(): string {
  const id = randomBytes(12).toString('hex');
  madePosts.push(id);
  return id;
}

/** A Debezium users message as Kafka carries it. */
function debezium(op: 'c' | 'u' | 'd' | 'r', id: number, name: string, lsn: number): string {
  const row = { id, email: `u${id}@example.test`, name, created_at: 1795776241992, updated_at: 1795776241992 + lsn };
  return JSON.stringify({
    before: op === 'c' || op === 'r' ? null : row,
    after: op === 'd' ? null : row,
    source: { version: '3.6.1.Final', connector: 'postgresql', name: 'users-db', ts_ms: 1795776241993 + lsn, snapshot: 'false', db: 'users', schema: 'public', table: 'users', txId: 900, lsn },
    op,
    ts_ms: 1795776242034 + lsn,
  });
}

function postEvent(type: 'POST_CREATED' | 'POST_DELETED', post: string, authorId: number, position: number): string {
  return JSON.stringify({
    eventId: crypto.randomUUID(),
    type,
    aggregate: 'post',
    aggregateId: post,
    position,
    occurredAt: new Date().toISOString(),
    actorId: authorId,
    data: { _id: post, author_id: authorId },
  });
}

async function project(topic: string, value: string | null): Promise<void> {
  await projection.apply(planGraphChange(normalizeMessage(topic, value)));
}

async function user(id: number): Promise<{ name: string | null; position: number | null } | undefined> {
  const result = await driver.executeQuery('MATCH (u:User {id: $id}) RETURN u.name AS name, u.position AS position', { id: BigInt(id) });
  const record = result.records[0];
  return record ? { name: record.get('name') as string | null, position: record.get('position') as number | null } : undefined;
}

describe('users', () => {
  test('create then update set the name; a replayed or older update never rolls it back', async () => {
    const [id] = users(1) as [number];
    await project(topics.userChanges, debezium('c', id, 'First', 1000));
    assert.deepEqual(await user(id), { name: 'First', position: 1000 });
    await project(topics.userChanges, debezium('u', id, 'Second', 2000));
    assert.deepEqual(await user(id), { name: 'Second', position: 2000 });
    // Replays and reorders.
    await project(topics.userChanges, debezium('c', id, 'First', 1000));
    await project(topics.userChanges, debezium('u', id, 'Second', 2000));
    await project(topics.userChanges, debezium('u', id, 'Stale', 1500));
    assert.deepEqual(await user(id), { name: 'Second', position: 2000 });
  });

  test('a batch applies runs of upserts as one statement each, with the same outcome as one by one', async () => {
    const [a, b, gone] = users(3) as [number, number, number];
    const [p1, p2, orphan] = [postId(), postId(), postId()];
    await project(topics.userChanges, debezium('c', gone, 'Gone', 10));
    await project(topics.userChanges, debezium('d', gone, 'Gone', 20));
    const plans = [
      normalizeMessage(topics.userChanges, debezium('c', a, 'A1', 100)),
      normalizeMessage(topics.userChanges, debezium('u', a, 'A3', 300)),
      // Older than the row before it in the same run: ignored.
      normalizeMessage(topics.userChanges, debezium('u', a, 'A2', 200)),
      normalizeMessage(topics.userChanges, debezium('c', b, 'B', 100)),
      normalizeMessage(topics.postChanges, capturedPost(postEvent('POST_CREATED', p1, a, 1))),
      normalizeMessage(topics.postChanges, capturedPost(postEvent('POST_CREATED', p2, b, 1))),
      normalizeMessage(topics.postChanges, capturedPost(postEvent('POST_CREATED', orphan, gone, 1))),
      // A later change of a user after the posts run: a run of its own.
      normalizeMessage(topics.userChanges, debezium('u', b, 'B2', 400)),
    ].map(planGraphChange);
    await projection.applyMany(plans);
    assert.deepEqual(await user(a), { name: 'A3', position: 300 });
    assert.deepEqual(await user(b), { name: 'B2', position: 400 });
    assert.equal(await user(gone), undefined, 'a deleted author is not brought back by a post');
    const posted = await driver.executeQuery('MATCH (u:User)-[:POSTED]->(p:Post) WHERE p.id IN $ids RETURN p.id AS post, u.id AS author ORDER BY author', { ids: [p1, p2, orphan] });
    assert.deepEqual(
      posted.records.map((r) => [r.get('post'), Number(r.get('author'))]),
      [
        [p1, a],
        [p2, b],
      ].sort((x, y) => (x[1] as number) - (y[1] as number)),
    );
  });

  test('a name that looks like Cypher is stored verbatim', async () => {
    const [id, other] = users(2) as [number, number];
    await project(topics.userChanges, debezium('c', other, 'Bystander', 10));
    const name = "x'}) DETACH DELETE (n) //";
    await project(topics.userChanges, debezium('c', id, 'Plain', 10));
    await project(topics.userChanges, debezium('u', id, name, 20));
    assert.deepEqual(await user(id), { name, position: 20 });
    assert.deepEqual(await user(other), { name: 'Bystander', position: 10 }, 'nothing else was touched');
  });

  test('a user first seen through a follow gets its name from the projection', async () => {
    const [a, b] = users(2) as [number, number];
    await follows.follow(a, b, followEvent('FOLLOW_CREATED', a, b));
    assert.deepEqual(await user(a), { name: null, position: null });
    await project(topics.userChanges, debezium('r', a, 'Snapshot', 5));
    assert.deepEqual(await user(a), { name: 'Snapshot', position: 5 });
  });

  test('a delete removes the user and its follows, each announced as FOLLOW_DELETED in the outbox', async () => {
    const [gone, fan, idol] = users(3) as [number, number, number];
    await project(topics.userChanges, debezium('c', gone, 'Leaving', 100));
    await follows.follow(gone, idol, followEvent('FOLLOW_CREATED', gone, idol));
    await follows.follow(fan, gone, followEvent('FOLLOW_CREATED', fan, gone));
    await follows.follow(fan, idol, followEvent('FOLLOW_CREATED', fan, idol));
    const post = postId();
    await project(topics.postChanges, capturedPost(postEvent('POST_CREATED', post, gone, 1)));

    await project(topics.userChanges, debezium('d', gone, 'Leaving', 200));
    await project(topics.userChanges, null); // the tombstone

    assert.equal(await user(gone), undefined);
    assert.deepEqual(await follows.followers(idol), [fan], "the bystanders' follow stays");
    const deleted = (await outboxFor(driver, [gone, fan, idol])).filter((e) => e.type === 'FOLLOW_DELETED');
    assert.deepEqual(
      deleted.map((e) => e.data).sort((x, y) => Number(x.followerId) - Number(y.followerId)),
      [
        { followerId: gone, followeeId: idol, cause: 'USER_DELETED' },
        { followerId: fan, followeeId: gone, cause: 'USER_DELETED' },
      ].sort((x, y) => x.followerId - y.followerId),
    );
    for (const e of deleted) {
      assert.equal(e.aggregateId, String(e.data.followerId));
      assert.equal(e.actorId, e.data.followerId);
      assert.equal(e.position, e.seq);
    }
    assert.notEqual(deleted[0]?.seq, deleted[1]?.seq);
    // The post stays until its own POST_DELETED; only the POSTED edge went with the user.
    const posts = await driver.executeQuery('MATCH (p:Post {id: $id}) OPTIONAL MATCH (p)<-[r:POSTED]-() RETURN count(r) AS edges', { id: post });
    assert.equal(Number(posts.records[0]?.get('edges')), 0);

    // Replaying the delete changes nothing and announces nothing twice.
    await project(topics.userChanges, debezium('d', gone, 'Leaving', 200));
    assert.equal((await outboxFor(driver, [gone, fan, idol])).filter((e) => e.type === 'FOLLOW_DELETED').length, 2);
  });

  test('a deleted user stays deleted: a late post event, an older update or a racing follow cannot bring the node back', async () => {
    const [id, other] = users(2) as [number, number];
    await project(topics.userChanges, debezium('c', id, 'Doomed', 600));
    await project(topics.userChanges, debezium('c', other, 'Other', 601));
    await project(topics.userChanges, debezium('d', id, 'Doomed', 700));
    await project(topics.postChanges, capturedPost(postEvent('POST_CREATED', postId(), id, 1)));
    await project(topics.userChanges, debezium('u', id, 'Doomed again', 650));
    await assert.rejects(follows.follow(other, id, followEvent('FOLLOW_CREATED', other, id)), { code: 'USER_NOT_FOUND' });
    await assert.rejects(follows.follow(id, other, followEvent('FOLLOW_CREATED', id, other)), { code: 'USER_NOT_FOUND' });
    assert.equal(await user(id), undefined);
    assert.deepEqual(await follows.followers(other), []);
  });

  test('a delete older than what the node holds is ignored', async () => {
    const [id, other] = users(2) as [number, number];
    await project(topics.userChanges, debezium('u', id, 'Newer', 500));
    await follows.follow(other, id, followEvent('FOLLOW_CREATED', other, id));
    await project(topics.userChanges, debezium('d', id, 'Newer', 400));
    assert.deepEqual(await user(id), { name: 'Newer', position: 500 });
    assert.deepEqual(await follows.followers(id), [other]);
  });
});

describe('posts', () => {
  test('POST_CREATED links author and post, idempotently; POST_DELETED removes the post', async () => {
    const [author] = users(1) as [number];
    const post = postId();
    await project(topics.postChanges, capturedPost(postEvent('POST_CREATED', post, author, 1)));
    await project(topics.postChanges, capturedPost(postEvent('POST_CREATED', post, author, 1)));
    const linked = await driver.executeQuery('MATCH (u:User {id: $author})-[r:POSTED]->(p:Post {id: $post}) RETURN count(r) AS n', { author: BigInt(author), post });
    assert.equal(Number(linked.records[0]?.get('n')), 1);

    await project(topics.postChanges, capturedPost(postEvent('POST_DELETED', post, author, 3)));
    await project(topics.postChanges, capturedPost(postEvent('POST_DELETED', post, author, 3)));
    const left = await driver.executeQuery('MATCH (p:Post {id: $post}) RETURN count(p) AS n', { post });
    assert.equal(Number(left.records[0]?.get('n')), 0);
    // The author node existed only because of this post (never projected from the users log,
    // no other edge), so it goes with it: a replay must not leave nameless users behind.
    assert.equal(await user(author), undefined, 'a nameless author with nothing else goes with the post');
  });

  test('POST_DELETED keeps an author that the users log projected', async () => {
    const [author] = users(1) as [number];
    const post = postId();
    await project(topics.userChanges, debezium('c', author, 'Author', 100));
    await project(topics.postChanges, capturedPost(postEvent('POST_CREATED', post, author, 1)));
    await project(topics.postChanges, capturedPost(postEvent('POST_DELETED', post, author, 2)));
    assert.deepEqual(await user(author), { name: 'Author', position: 100 });
  });
});
