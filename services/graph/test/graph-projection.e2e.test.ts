// The graph projection end to end: Debezium-shaped users messages on the real
// Kafka topic → :User nodes in the real Neo4j, and a deleted user's follows
// announced through the outbox. The relay is not running here, so the
// FOLLOW_DELETED events are still in the outbox when we look. The projection
// consumes in a group of its own, and every user sent on the shared topic is
// deleted there before the end: the running stack's projections apply these
// messages too (now, or when they start again, or on a replay), and must end
// with nothing of them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { consumerGroups, topics } from '@polyglot/contracts/topics';
import { createProducer, type StringProducer } from '@polyglot/platform/kafka';
import { waitFor } from '@polyglot/platform/wait-for';
import { deleteTestGroups, testGroupAtEnd } from '@polyglot/platform/test-fixtures/consumer-group';
import { start, type RunningService } from '../src/app.ts';
import { GRAPH_PROJECTION_TOPICS } from '../src/entry-points/graph-projection.consumer.ts';
import { cleanUp, graphConfig, http, openNeo4j, outboxFor, silent, testUserIds, type Neo4jDriver } from './support.ts';

let service: RunningService;
let group: string;
let driver: Neo4jDriver;
let producer: StringProducer;
const made: number[] = [];
/** Users whose deletion is already on the topic. */
const deleted = new Set<number>();
// Positions only need to grow per user; these never collide with anything real.
let lsn = Date.now() * 10;

before(async () => {
  driver = openNeo4j();
  producer = createProducer('graph-e2e-test');
  group = await testGroupAtEnd(consumerGroups.graphProjector, GRAPH_PROJECTION_TOPICS);
  service = await start(graphConfig({ CONSUMERS: 'on', GRAPH_PROJECTION_GROUP: group }), { logger: silent });
});

after(async () => {
  for (const id of made) if (!deleted.has(id)) await debezium('d', row(id, 'gone'), null);
  await service.stop();
  await deleteTestGroups(group);
  await producer.close();
  await cleanUp(driver, made);
  await driver.close();
});

interface Row {
  id: number;
  email: string;
  name: string;
  created_at: number;
  updated_at: number;
}

function row(id: number, name: string): Row {
  const now = Date.now();
  return { id, email: `graph-e2e-${id}@example.test`, name, created_at: now - 60_000, updated_at: now };
}

/** Sends what Debezium sends for one users change (JSON converter, schemas off), keyed {"id": N}. */
async function debezium(op: 'c' | 'u' | 'd', before: Row | null, after: Row | null): Promise<void> {
  const id = (after ?? before)!.id;
  lsn += 1000;
  const value = {
    before,
    after,
    source: { version: '3.6.1.Final', connector: 'postgresql', name: 'users-db', ts_ms: Date.now(), snapshot: 'false', db: 'users', schema: 'public', table: 'users', txId: null, lsn },
    transaction: null,
    op,
    ts_ms: Date.now(),
  };
  await producer.send({ messages: [{ topic: topics.userChanges, key: JSON.stringify({ id }), value: JSON.stringify(value) }] });
  if (op === 'd') deleted.add(id);
  // A delete is followed by a tombstone for log compaction; the projection must skip it.
  if (op === 'd') await producer.send({ messages: [{ topic: topics.userChanges, key: JSON.stringify({ id }) }] });
}

async function userName(id: number): Promise<string | null | undefined> {
  const result = await driver.executeQuery('MATCH (u:User {id: $id}) RETURN u.name AS name', { id: BigInt(id) });
  return result.records.length === 0 ? undefined : (result.records[0]?.get('name') as string | null);
}

test('users are created, renamed and deleted with their follows, whose deletion is announced in the outbox', async () => {
  const [a, b, c] = testUserIds(3) as [number, number, number];
  made.push(a, b, c);

  await debezium('c', null, row(a, 'Ada'));
  await debezium('c', null, row(b, 'Bob'));
  await debezium('c', null, row(c, 'Cy'));
  await waitFor('the three users to be projected', async () => (await userName(a)) === 'Ada' && (await userName(b)) === 'Bob' && (await userName(c)) === 'Cy', { timeoutMs: 30_000 });

  const renamed = "x'}) DETACH DELETE (n) //";
  await debezium('u', row(a, 'Ada'), row(a, renamed));
  await waitFor('the rename', async () => (await userName(a)) === renamed, { timeoutMs: 15_000 });

  for (const [f, e] of [
    [a, b],
    [c, a],
    [b, c],
  ] as const) {
    assert.equal((await http(service.port, 'POST', '/follow', { followerId: f, followeeId: e })).status, 201);
  }
  const relationships = (await http(service.port, 'GET', '/relationships')).body as Array<{ followerId: number; followerName: string | null; followeeId: number; followeeName: string | null }>;
  assert.deepEqual(
    relationships.filter((r) => r.followerId === a),
    [{ followerId: a, followerName: renamed, followeeId: b, followeeName: 'Bob' }],
  );

  await debezium('d', row(a, renamed), null);
  await waitFor('the user to be deleted', async () => (await userName(a)) === undefined, { timeoutMs: 15_000 });

  assert.deepEqual((await http(service.port, 'GET', `/users/${b}/followers`)).body, [], "a's follow of b went");
  assert.deepEqual((await http(service.port, 'GET', `/users/${c}/followees`)).body, [], "c's follow of a went");
  assert.deepEqual((await http(service.port, 'GET', `/users/${b}/followees`)).body, [c], 'the follow between others stays');

  const deleted = (await outboxFor(driver, [a, b, c])).filter((e) => e.type === 'FOLLOW_DELETED');
  assert.deepEqual(
    deleted.map((e) => [e.data.followerId, e.data.followeeId, e.data.cause]).sort(),
    [
      [a, b, 'USER_DELETED'],
      [c, a, 'USER_DELETED'],
    ].sort(),
  );
  for (const event of deleted) assert.equal(event.aggregateId, String(event.data.followerId));

  const health = await http(service.port, 'GET', '/health');
  assert.equal(health.status, 200);
  assert.equal(health.body.projection.running, true);
  assert.ok(health.body.projection.processed >= 5, `processed ${health.body.projection.processed}`);
  assert.ok(health.body.projection.lastAppliedAt);
  assert.ok(health.body.projection.latency.count >= 5);
});
