// The follow API over HTTP against the real Neo4j: the edge, its outbox event
// in the same transaction, the reads, validation, and a store that is down.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { internalHeaders } from '@polyglot/platform/internal-secret';
import { start, type RunningService } from '../src/app.ts';
import { followEvent } from '../src/data-access/follow-events.ts';
import { FollowRepository } from '../src/data-access/follow.repository.ts';
import { cleanUp, graphConfig, http, openNeo4j, outboxFor, silent, testUserIds, type Neo4jDriver } from './support.ts';

let service: RunningService;
let driver: Neo4jDriver;
const made: number[] = [];

function users(count: number): number[] {
  const ids = testUserIds(count);
  made.push(...ids);
  return ids;
}

before(async () => {
  driver = openNeo4j();
  service = await start(graphConfig(), { logger: silent });
});

after(async () => {
  await service.stop();
  await cleanUp(driver, made);
  await driver.close();
});

describe('POST /follow', () => {
  test('201 with created: true for a new follow, then 200 created: false, with one outbox event', async () => {
    const [a, b] = users(2) as [number, number];
    const first = await http(service.port, 'POST', '/follow', { followerId: a, followeeId: b });
    assert.equal(first.status, 201);
    assert.deepEqual(first.body, { followerId: a, followeeId: b, created: true });

    const again = await http(service.port, 'POST', '/follow', { followerId: a, followeeId: b });
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, { followerId: a, followeeId: b, created: false });

    const events = await outboxFor(driver, [a]);
    assert.equal(events.length, 1, 'exactly one outbox event: the repeat wrote none');
    const [event] = events;
    assert.ok(event);
    assert.equal(event.type, 'FOLLOW_CREATED');
    assert.equal(event.aggregate, 'follow');
    assert.equal(event.aggregateId, String(a));
    assert.equal(event.actorId, a);
    assert.equal(event.position, event.seq);
    assert.deepEqual(event.data, { followerId: a, followeeId: b });
    assert.match(event.eventId, /^[0-9a-f-]{36}$/);
    assert.ok(!Number.isNaN(Date.parse(event.occurredAt)));

    const edges = await driver.executeQuery('MATCH (:User {id: $a})-[f:FOLLOWS]->(:User {id: $b}) RETURN f.createdAt AS createdAt', { a, b });
    assert.equal(edges.records.length, 1);
  });

  test('answers x-consistency-token graph:FOLLOWER:SEQ, the seq of the event it wrote', async () => {
    const [a, b] = users(2) as [number, number];
    const response = await fetch(`http://127.0.0.1:${service.port}/follow`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...internalHeaders() },
      body: JSON.stringify({ followerId: a, followeeId: b }),
    });
    assert.equal(response.status, 201);
    const [event] = await outboxFor(driver, [a]);
    assert.equal(response.headers.get('x-consistency-token'), `graph:${a}:${event?.seq}`);
    // The edge keeps the same sequence: a read of it says which follow it shows (the history checker's).
    const edge = await driver.executeQuery('MATCH (:User {id: $a})-[f:FOLLOWS]->(:User {id: $b}) RETURN f.position AS position', { a, b });
    assert.equal(Number(edge.records[0]?.get('position')), event?.seq);
    const observed = await http(service.port, 'POST', '/internal/observations', { source: 'graph', ids: [`${a}:${b}`, `${b}:${a}`] });
    assert.equal(observed.status, 200, JSON.stringify(observed.body));
    assert.deepEqual(observed.body.observed, { [`${a}:${b}`]: { position: event?.seq, deleted: false }, [`${b}:${a}`]: { position: null, deleted: false } });
  });

  test('stores ids as Neo4j integers, not floats', async () => {
    const [a, b] = users(2) as [number, number];
    await http(service.port, 'POST', '/follow', { followerId: a, followeeId: b });
    const result = await driver.executeQuery('MATCH (u:User) WHERE u.id IN [$a, $b] RETURN collect(valueType(u.id)) AS types', { a: BigInt(a), b: BigInt(b) });
    assert.deepEqual(result.records[0]?.get('types'), ['INTEGER NOT NULL', 'INTEGER NOT NULL']);
  });

  test('ids sent as strings of digits (as an HTML <select> sends them) are stored as the integers', async () => {
    const [a, b] = users(2) as [number, number];
    const first = await http(service.port, 'POST', '/follow', { followerId: String(a), followeeId: String(b) });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.deepEqual(first.body, { followerId: a, followeeId: b, created: true });
    const result = await driver.executeQuery('MATCH (u:User) WHERE u.id IN [$a, $b] RETURN collect(valueType(u.id)) AS types', { a: BigInt(a), b: BigInt(b) });
    assert.deepEqual(result.records[0]?.get('types'), ['INTEGER NOT NULL', 'INTEGER NOT NULL']);
    const [event] = await outboxFor(driver, [a]);
    assert.deepEqual(event?.data, { followerId: a, followeeId: b });
    // A number and its digits are the same follow.
    const again = await http(service.port, 'POST', '/follow', { followerId: a, followeeId: String(b) });
    assert.equal(again.status, 200);
    assert.equal(again.body.created, false);
    assert.equal((await http(service.port, 'DELETE', '/follow', { followerId: String(a), followeeId: String(b) })).status, 204);
  });

  test('any other id is 400 VALIDATION_FAILED and nothing is written', async () => {
    const [a, b] = users(2) as [number, number];
    for (const bad of ['17a', '-1', '1.5', 0, '0', '', ' 17', '017', 1e300, '9007199254740992', 1.5, -1, null, true, {}]) {
      const response = await http(service.port, 'POST', '/follow', { followerId: a, followeeId: bad });
      assert.equal(response.status, 400, `${JSON.stringify(bad)} → ${JSON.stringify(response.body)}`);
      assert.equal(response.body.code, 'VALIDATION_FAILED', JSON.stringify(bad));
      assert.equal((await http(service.port, 'POST', '/follow', { followerId: bad, followeeId: b })).body.code, 'VALIDATION_FAILED', JSON.stringify(bad));
    }
    assert.equal((await outboxFor(driver, [a, b])).length, 0);
  });

  test('400 SELF_FOLLOW when a user follows themselves, and nothing is written', async () => {
    const [a] = users(1) as [number];
    const response = await http(service.port, 'POST', '/follow', { followerId: a, followeeId: a });
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, { error: 'a user cannot follow themselves', code: 'SELF_FOLLOW' });
    assert.equal((await outboxFor(driver, [a])).length, 0);
  });

  test('ten identical follows at once: one 201, one edge, one event', async () => {
    const [a, b] = users(2) as [number, number];
    const answers = await Promise.all(Array.from({ length: 10 }, () => http(service.port, 'POST', '/follow', { followerId: a, followeeId: b })));
    assert.deepEqual(answers.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    const edges = await driver.executeQuery('MATCH (:User {id: $a})-[f:FOLLOWS]->(:User {id: $b}) RETURN count(f) AS n', { a: BigInt(a), b: BigInt(b) });
    assert.equal(Number(edges.records[0]?.get('n')), 1);
    assert.equal((await outboxFor(driver, [a])).length, 1);
  });
});

describe('concurrent follows in both directions', () => {
  test('a→b and b→a at once: all succeed, each event with its own seq', async () => {
    const ids = users(6);
    const pairs = ids.flatMap((a, i) => ids.slice(i + 1).flatMap((b) => [[a, b] as const, [b, a] as const]));
    const answers = await Promise.all(pairs.map(([f, e]) => http(service.port, 'POST', '/follow', { followerId: f, followeeId: e })));
    assert.deepEqual(new Set(answers.map((r) => r.status)), new Set([201]));
    const events = await outboxFor(driver, ids);
    assert.equal(events.length, pairs.length);
    assert.equal(new Set(events.map((e) => e.seq)).size, pairs.length, 'every event has its own seq');
  });
});

describe('DELETE /follow', () => {
  test('204, then 404 FOLLOW_NOT_FOUND; FOLLOW_DELETED follows FOLLOW_CREATED in seq', async () => {
    const [a, b] = users(2) as [number, number];
    assert.equal((await http(service.port, 'POST', '/follow', { followerId: a, followeeId: b })).status, 201);

    const gone = await http(service.port, 'DELETE', '/follow', { followerId: a, followeeId: b });
    assert.equal(gone.status, 204);
    assert.equal(gone.body, null);

    const again = await http(service.port, 'DELETE', '/follow', { followerId: a, followeeId: b });
    assert.equal(again.status, 404);
    assert.equal(again.body.code, 'FOLLOW_NOT_FOUND');
    assert.match(again.body.error, new RegExp(`user ${a} does not follow user ${b}`));

    const events = await outboxFor(driver, [a]);
    assert.deepEqual(
      events.map((e) => e.type),
      ['FOLLOW_CREATED', 'FOLLOW_DELETED'],
    );
    const [created, deleted] = events as [(typeof events)[0], (typeof events)[0]];
    assert.ok(deleted.seq > created.seq, 'seq increases');
    assert.deepEqual(deleted.data, { followerId: a, followeeId: b });
    assert.deepEqual((await http(service.port, 'GET', `/users/${a}/followees`)).body, []);
  });

  test('404 for users the graph has never seen', async () => {
    const [a, b] = users(2) as [number, number];
    const response = await http(service.port, 'DELETE', '/follow', { followerId: a, followeeId: b });
    assert.equal(response.status, 404);
    assert.equal(response.body.code, 'FOLLOW_NOT_FOUND');
  });
});

describe('reads', () => {
  test('GET /relationships lists edges with names (null until projected), by follower then followee', async () => {
    const [a, b, c] = users(3) as [number, number, number];
    for (const [f, e] of [
      [b, a],
      [a, c],
      [a, b],
    ] as const) {
      assert.equal((await http(service.port, 'POST', '/follow', { followerId: f, followeeId: e })).status, 201);
    }
    // Names arrive through the projection; c has not been projected yet.
    await driver.executeQuery('MATCH (u:User) WHERE u.id = $a SET u.name = $name', { a: BigInt(a), name: 'Ada' });
    await driver.executeQuery('MATCH (u:User) WHERE u.id = $b SET u.name = $name', { b: BigInt(b), name: 'Bob' });

    const response = await http(service.port, 'GET', '/relationships');
    assert.equal(response.status, 200);
    const mine = (response.body as Array<{ followerId: number }>).filter((r) => [a, b, c].includes(r.followerId));
    assert.deepEqual(mine, [
      { followerId: a, followerName: 'Ada', followeeId: b, followeeName: 'Bob' },
      { followerId: a, followerName: 'Ada', followeeId: c, followeeName: null },
      { followerId: b, followerName: 'Bob', followeeId: a, followeeName: 'Ada' },
    ]);
    // The whole list is ordered, not only our part of it.
    const keys = (response.body as Array<{ followerId: number; followeeId: number }>).map((r) => [r.followerId, r.followeeId] as const);
    const sorted = [...keys].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    assert.deepEqual(keys, sorted);
  });

  test('GET /users/:id/followees and /followers give ids in ascending order', async () => {
    const [a, b, c] = users(3) as [number, number, number];
    for (const [f, e] of [
      [a, c],
      [a, b],
      [c, b],
    ] as const) {
      await http(service.port, 'POST', '/follow', { followerId: f, followeeId: e });
    }
    assert.deepEqual((await http(service.port, 'GET', `/users/${a}/followees`)).body, [b, c]);
    assert.deepEqual((await http(service.port, 'GET', `/users/${b}/followers`)).body, [a, c]);
    assert.deepEqual((await http(service.port, 'GET', `/users/${b}/followees`)).body, []);
    assert.deepEqual((await http(service.port, 'GET', `/users/${a}/followers`)).body, []);
  });

  test('a user id that is not a positive whole number is a 400', async () => {
    for (const bad of ['abc', '0', '-1', '1.5', '99999999999999999999']) {
      const response = await http(service.port, 'GET', `/users/${bad}/followees`);
      assert.equal(response.status, 400, bad);
      assert.equal(response.body.code, 'VALIDATION_FAILED', bad);
    }
  });
});

describe('validation', () => {
  test('malformed JSON is 400 MALFORMED_JSON', async () => {
    const response = await http(service.port, 'POST', '/follow', undefined, '{"followerId": 1,');
    assert.equal(response.status, 400);
    assert.equal(response.body.code, 'MALFORMED_JSON');
    assert.equal(typeof response.body.error, 'string');
  });

  const invalid: Array<[string, unknown]> = [
    ['an operator object', { followerId: { $ne: 1 }, followeeId: 2 }],
    ['strings that are not digits', { followerId: '1a', followeeId: ' 2' }],
    ['a negative id as a string', { followerId: '-1', followeeId: '2' }],
    ['a negative id', { followerId: -1, followeeId: 2 }],
    ['zero', { followerId: 0, followeeId: 2 }],
    ['a fraction', { followerId: 1.5, followeeId: 2 }],
    ['an id beyond 2^53', { followerId: 2 ** 60, followeeId: 2 }],
    ['an extra key', { followerId: 1, followeeId: 2, $where: 'sleep(1000)' }],
    ['a missing key', { followerId: 1 }],
    ['an array', [1, 2]],
    ['null', null],
  ];
  for (const [what, body] of invalid) {
    test(`POST and DELETE /follow with ${what}: 400 VALIDATION_FAILED`, async () => {
      for (const method of ['POST', 'DELETE']) {
        const response = await http(service.port, method, '/follow', undefined, JSON.stringify(body));
        assert.equal(response.status, 400, `${method} ${what}`);
        assert.equal(response.body.code, 'VALIDATION_FAILED', `${method} ${what}: ${JSON.stringify(response.body)}`);
      }
    });
  }

  test('an unknown route is a 404 ROUTE_NOT_FOUND in the usual shape', async () => {
    const response = await http(service.port, 'GET', '/nope');
    assert.equal(response.status, 404);
    assert.equal(response.body.code, 'ROUTE_NOT_FOUND');
  });
});

describe('GET /health', () => {
  test('200 with Neo4j ok, the projection status and the outbox relay with its backlog', async () => {
    const [a, b] = users(2) as [number, number];
    assert.equal((await http(service.port, 'POST', '/follow', { followerId: a, followeeId: b })).status, 201);
    const response = await http(service.port, 'GET', '/health');
    assert.equal(response.status, 200);
    assert.equal(response.body.status, 'ok');
    assert.deepEqual(response.body.checks, { neo4j: 'ok' });
    assert.deepEqual(Object.keys(response.body.projection).sort(), ['deadLettered', 'failed', 'lag', 'lastAppliedAt', 'latency', 'processed', 'running']);
    // This instance runs without its relay (GRAPH_RELAY=off): the outbox is still counted.
    assert.deepEqual(Object.keys(response.body.relay).sort(), ['backlog', 'deadLettered', 'lastError', 'lastPublishedAt', 'published', 'running']);
    assert.equal(response.body.relay.running, false);
    assert.ok(response.body.relay.backlog >= 1, `the follow's event is waiting (backlog ${response.body.relay.backlog})`);
  });
});

describe('the repository', () => {
  test('a follow whose outbox write fails leaves no edge behind (one transaction)', async () => {
    const [a, b] = users(2) as [number, number];
    const follows = new FollowRepository(driver);
    const event = followEvent('FOLLOW_CREATED', a, b);
    // Reusing an eventId breaks the unique constraint on Outbox.eventId inside the transaction.
    await driver.executeQuery("CREATE (:Outbox {eventId: $id, seq: -1, aggregateId: $agg, data: '{}'})", { id: event.eventId, agg: String(a) });
    await assert.rejects(follows.follow(a, b, event));
    const edges = await driver.executeQuery('MATCH (:User {id: $a})-[f:FOLLOWS]->() RETURN count(f) AS n', { a: BigInt(a) });
    assert.equal(Number(edges.records[0]?.get('n')), 0);
  });
});

describe('Neo4j down', () => {
  let down: RunningService;
  before(async () => {
    down = await start(graphConfig({ NEO4J_URL: 'bolt://127.0.0.1:1' }), { logger: silent });
  });
  after(() => down.stop());

  const calls: Array<[string, string, unknown]> = [
    ['POST', '/follow', { followerId: 1, followeeId: 2 }],
    ['DELETE', '/follow', { followerId: 1, followeeId: 2 }],
    ['GET', '/relationships', undefined],
    ['GET', '/users/1/followees', undefined],
    ['GET', '/users/1/followers', undefined],
  ];
  for (const [method, path, body] of calls) {
    test(`${method} ${path}: 503 STORE_UNAVAILABLE naming Neo4j, fast`, async () => {
      const response = await http(down.port, method, path, body);
      assert.equal(response.status, 503);
      assert.deepEqual(response.body, { error: 'the graph store (Neo4j) is unavailable; try again shortly', code: 'STORE_UNAVAILABLE' });
      assert.ok(response.ms < 5000, `answered in ${response.ms} ms`);
    });
  }

  test('GET /health: 503 degraded, with the error', async () => {
    const response = await http(down.port, 'GET', '/health');
    assert.equal(response.status, 503);
    assert.equal(response.body.status, 'degraded');
    assert.deepEqual(response.body.checks, { neo4j: 'unavailable' });
    assert.equal(response.body.relay.backlog, null, 'the outbox cannot be counted');
    assert.equal(response.body.code, 'STORE_UNAVAILABLE');
    assert.equal(response.body.error, 'the graph store (Neo4j) is unavailable; try again shortly');
    assert.ok(response.ms < 5000, `answered in ${response.ms} ms`);
  });

  test('validation still answers 400 first', async () => {
    const response = await http(down.port, 'POST', '/follow', { followerId: 3, followeeId: 3 });
    assert.equal(response.status, 400);
    assert.equal(response.body.code, 'SELF_FOLLOW');
  });
});
