// The reconciler's endpoints on the graph service, against the real Neo4j:
// the listing shows users, POSTED edges and follows as stored; the repair
// restores, removes and relinks in one transaction, announces the follows of
// a removed user, and changes nothing when repeated.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { GraphListing } from '@polyglot/contracts/reconcile';
import { topics } from '@polyglot/contracts/topics';
import { start, type RunningService } from '../src/app.ts';
import { int } from '../src/data-access/neo4j.ts';
import { cleanUp, graphConfig, http, openNeo4j, outboxFor, readTopic, silent, testUserIds, type Neo4jDriver } from './support.ts';

let service: RunningService;
let driver: Neo4jDriver;
const [a, b, c, d] = testUserIds(4) as [number, number, number, number];
const postId = () => randomBytes(12).toString('hex');
const [kept, gone, misattributed] = [postId(), postId(), postId()];

before(async () => {
  driver = openNeo4j();
  // No relay: the outbox events this test checks must not be published and removed meanwhile.
  service = await start(graphConfig({ GRAPH_RELAY: 'off' }), { logger: silent });
  await driver.executeQuery(
    `MERGE (a:User {id: $a}) SET a.name = 'Ada'
     MERGE (b:User {id: $b})
     MERGE (d:User {id: $d}) SET d.name = 'Dan'
     MERGE (a)-[:POSTED]->(:Post {id: $kept})
     MERGE (d)-[:POSTED]->(:Post {id: $gone})
     MERGE (b)-[:POSTED]->(:Post {id: $misattributed})`,
    { a: int(a), b: int(b), d: int(d), kept, gone, misattributed },
  );
  // A real follow, through the API: the edge and its outbox event.
  assert.equal((await http(service.port, 'POST', '/follow', { followerId: a, followeeId: b })).status, 201);
});

after(async () => {
  await service.stop();
  await cleanUp(driver, [a, b, c, d], [kept, gone, misattributed]);
  await driver.close();
});

/** The FOLLOW_DELETED events of a follower: still in the outbox, or on the topic if a relay published them. */
async function announcements(follower: number): Promise<unknown[]> {
  const pending = (await outboxFor(driver, [follower])).filter((e) => e.type === 'FOLLOW_DELETED');
  if (pending.length > 0) return pending.map((e) => e.data);
  const published = await readTopic(
    topics.graphEvents,
    (key, value) => key === String(follower) && value !== null && (JSON.parse(value) as { type: string }).type === 'FOLLOW_DELETED',
    (found) => found.length > 0,
  );
  return published.map((m) => (JSON.parse(m.value!) as { data: unknown }).data);
}

const listing = async (): Promise<GraphListing> => {
  const scope = { users: [a, b, c], posts: [kept, gone, misattributed].map((id) => ({ id, authorId: null })), follows: [{ followerId: a, followeeId: b }] };
  const response = await http(service.port, 'POST', '/internal/reconcile/scope', scope);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body as GraphListing;
};

describe('POST /internal/reconcile/scope, the pages and the totals', () => {
  test('pages walk one kind in id order from `after`, each through its index; totals count what the graph holds', async () => {
    const users = await http(service.port, 'GET', `/internal/reconcile/page/users?after=${a - 1}&limit=1`);
    assert.equal(users.status, 200, JSON.stringify(users.body));
    assert.deepEqual(users.body, { listing: { users: [{ id: a, name: 'Ada' }], posts: [], follows: [] }, next: String(a) });
    const follows = await http(service.port, 'GET', `/internal/reconcile/page/follows?after=${a - 1}:0&limit=1`);
    assert.equal(follows.body.listing.follows[0].followerId, a);
    assert.equal(follows.body.next, `${a}:${follows.body.listing.follows[0].followeeId}`);
    // Only an id with the same first 23 characters could come between the cursor and this post.
    const posts = await http(service.port, 'GET', `/internal/reconcile/page/posts?after=${kept.slice(0, 23)}&limit=1`);
    assert.deepEqual(posts.body, { listing: { users: [], posts: [{ id: kept, authors: [a] }], follows: [] }, next: kept });
    const totals = await http(service.port, 'GET', '/internal/reconcile/totals');
    assert.ok(totals.body.users >= 2 && totals.body.posts >= 2 && totals.body.follows >= 1, JSON.stringify(totals.body));
    for (const bad of ['/internal/reconcile/page/comments', '/internal/reconcile/page/users?limit=0', '/internal/reconcile/page/users?limit=10001']) {
      assert.equal((await http(service.port, 'GET', bad)).status, 400, bad);
    }
  });

  test('a scope lists its :User nodes with their names (null when never projected), its :Post nodes with their authors, its follows', async () => {
    const graph = await listing();
    const users = new Map(graph.users.map((u) => [u.id, u.name]));
    assert.equal(users.get(a), 'Ada');
    assert.equal(users.get(b), null);
    assert.equal(users.has(c), false);
    const posts = new Map(graph.posts.map((p) => [p.id, p.authors]));
    assert.deepEqual(posts.get(kept), [a]);
    assert.deepEqual(posts.get(misattributed), [b]);
    const follow = graph.follows.find((f) => f.followerId === a && f.followeeId === b);
    assert.ok(follow, 'the follow is listed');
    assert.ok(follow.createdAt && !Number.isNaN(Date.parse(follow.createdAt)), 'with when it was made');
  });
});

describe('POST /internal/reconcile/repair', () => {
  const body = {
    upsertUsers: [
      { id: b, name: 'Bea' },
      { id: c, name: 'Cy' },
    ],
    deleteUsers: [a],
    deletePosts: [gone],
    linkPosts: [{ postId: misattributed, authorId: c }],
  };

  test('restores and names users, removes a user with its follows announced, removes and relinks posts', async () => {
    const response = await http(service.port, 'POST', '/internal/reconcile/repair', body);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual(response.body, { usersUpserted: 2, usersDeleted: 1, followsAnnounced: 1, postsDeleted: 1, postsLinked: 1 });

    const graph = await listing();
    const users = new Map(graph.users.map((u) => [u.id, u.name]));
    assert.equal(users.get(b), 'Bea');
    assert.equal(users.get(c), 'Cy');
    assert.equal(users.has(a), false);
    const posts = new Map(graph.posts.map((p) => [p.id, p.authors]));
    assert.equal(posts.has(gone), false);
    assert.deepEqual(posts.get(misattributed), [c], 'only the author’s edge remains');
    assert.deepEqual(posts.get(kept), [], 'the removed user’s edge went with it');
    assert.equal(graph.follows.some((f) => f.followerId === a), false);

    // The follow that went with the user is announced like any unfollow, for analytics and the feeds:
    // in the outbox, or already published by the stack's relay when it runs.
    const announced = await announcements(a);
    assert.deepEqual(announced, [{ followerId: a, followeeId: b, cause: 'USER_DELETED' }]);
  });

  test('repeating the same repair changes nothing', async () => {
    const response = await http(service.port, 'POST', '/internal/reconcile/repair', body);
    assert.equal(response.status, 200);
    assert.equal(response.body.usersDeleted, 0);
    assert.equal(response.body.followsAnnounced, 0);
    assert.equal(response.body.postsDeleted, 0);
    const names = await driver.executeQuery('MATCH (u:User) WHERE u.id IN $ids RETURN count(u) AS n', { ids: [int(b), int(c)] });
    assert.equal(names.records[0]?.get('n'), 2, 'no duplicate nodes');
  });

  test('an empty repair is allowed; a bad id or an unknown key is 400 VALIDATION_FAILED', async () => {
    assert.deepEqual((await http(service.port, 'POST', '/internal/reconcile/repair', {})).body, { usersUpserted: 0, usersDeleted: 0, followsAnnounced: 0, postsDeleted: 0, postsLinked: 0 });
    for (const bad of [{ deleteUsers: ['1; DETACH DELETE n'] }, { deletePosts: ['not-a-post-id'] }, { dropEverything: true }]) {
      const response = await http(service.port, 'POST', '/internal/reconcile/repair', bad);
      assert.equal(response.status, 400, JSON.stringify(bad));
      assert.equal(response.body.code, 'VALIDATION_FAILED');
    }
  });
});
