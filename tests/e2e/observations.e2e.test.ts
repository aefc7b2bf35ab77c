// POST /lab/observations against the real stores: each store an entity lives
// in tells the source position of the state it holds, as docs/history-checker.md
// defines a read. After a strong write every store shows it: the projections
// at the change's own position (a user's LSN is at or after its token, a
// post's version and a follow's outbox sequence equal theirs), PostgreSQL at
// a WAL position at or after it; a deletion is absent in the source and a
// tombstone, with its position, where the store keeps one.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { start, type RunningGateway } from '@polyglot/gateway/app';
import { loadGatewayConfig } from '@polyglot/gateway/config';
import { userKey } from '@polyglot/contracts/cache-keys';
import { api, callAs, createUser, openStores, runId } from './support.ts';

type Observation = { position: number | null; deleted: boolean };
type Observed = Record<string, Observation>;

const positionOf = (token: string) => Number(token.split(':').at(-1));

async function observe(entities: string[], token?: string): Promise<{ entities: Record<string, { observed: Observed }>; unavailable: Record<string, string> }> {
  const response = await api('POST', '/lab/observations', { entities, ...(token ? { token } : {}) });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

async function observeOne(entity: string, token?: string): Promise<Observed> {
  const answer = await observe([entity], token);
  assert.deepEqual(answer.unavailable, {});
  return answer.entities[entity]!.observed;
}

describe('every store’s view of an entity, with its source position', () => {
  test('a user: PostgreSQL, Neo4j, Redis and TimescaleDB through a strong create, rename and delete', async () => {
    const email = `observe-${runId}-${randomUUID().slice(0, 6)}@e2e.test`;
    const created = await api('POST', '/users?consistency=strong', { email, name: 'Observed', password: 'correct horse battery' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const entity = `users:${created.body.id}`;
    const t1 = positionOf(created.headers.get('x-consistency-token')!);
    const first = await observeOne(entity);
    assert.deepEqual(Object.keys(first).sort(), ['neo4j', 'postgres', 'redis', 'timescaledb']);
    for (const store of ['postgres', 'neo4j', 'redis', 'timescaledb']) {
      assert.equal(first[store]!.deleted, false, store);
      assert.ok(first[store]!.position! >= t1, `${store} at ${first[store]!.position}, token ${t1}`);
    }
    // The projections hold the change's own LSN, from the same change record.
    assert.equal(first.neo4j!.position, first.redis!.position);
    assert.equal(first.neo4j!.position, first.timescaledb!.position);

    const renamed = await api('PUT', `/users/${created.body.id}?consistency=strong`, { email, name: 'Observed again' });
    assert.equal(renamed.status, 200);
    const t2 = positionOf(renamed.headers.get('x-consistency-token')!);
    const second = await observeOne(entity);
    for (const store of ['postgres', 'neo4j', 'redis', 'timescaledb']) assert.ok(second[store]!.position! >= t2 && t2 > first.neo4j!.position!, `${store}: ${JSON.stringify(second)} after token ${t2}`);

    const deleted = await api('DELETE', `/users/${created.body.id}?consistency=strong`);
    assert.equal(deleted.status, 204);
    const t3 = positionOf(deleted.headers.get('x-consistency-token')!);
    const gone = await observeOne(entity);
    assert.deepEqual(gone.postgres, { position: null, deleted: false }, 'PostgreSQL keeps no tombstone');
    for (const store of ['neo4j', 'redis', 'timescaledb']) {
      assert.equal(gone[store]!.deleted, true, `${store}: ${JSON.stringify(gone[store])}`);
      assert.ok(gone[store]!.position! >= t3, store);
    }
  });

  test('a post: FerretDB, Redis and TimescaleDB at its version; Neo4j tells none', async () => {
    const author = await createUser('observed-author');
    const created = await api('POST', '/posts?consistency=strong', { author_id: author.id, title: 'observed', body: 'by the observations test', tags: [], meta: {} });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const entity = `posts:${created.body._id}`;
    assert.deepEqual(await observeOne(entity), { ferretdb: { position: 1, deleted: false }, redis: { position: 1, deleted: false }, timescaledb: { position: 1, deleted: false } });
    assert.equal((await api('PUT', `/posts/${created.body._id}?consistency=strong`, { title: 'observed, edited' })).status, 200);
    assert.deepEqual(await observeOne(entity), { ferretdb: { position: 2, deleted: false }, redis: { position: 2, deleted: false }, timescaledb: { position: 2, deleted: false } });
    assert.equal((await api('DELETE', `/posts/${created.body._id}?consistency=strong`)).status, 204);
    assert.deepEqual(await observeOne(entity), { ferretdb: { position: null, deleted: false }, redis: { position: null, deleted: false }, timescaledb: { position: 3, deleted: true } });
    await api('DELETE', `/users/${author.id}`);
  });

  test('a follow: Neo4j (its source) and TimescaleDB at its outbox sequence', async () => {
    const [a, b] = [await createUser('observed-follower'), await createUser('observed-followee')];
    const entity = `graph:${a.id}:${b.id}`;
    assert.deepEqual(await observeOne(entity), { neo4j: { position: null, deleted: false }, timescaledb: { position: null, deleted: false } });
    const followed = await api('POST', '/follow?consistency=strong', { followerId: a.id, followeeId: b.id });
    assert.equal(followed.status, 201, JSON.stringify(followed.body));
    const seq = positionOf(followed.headers.get('x-consistency-token')!);
    assert.deepEqual(await observeOne(entity), { neo4j: { position: seq, deleted: false }, timescaledb: { position: seq, deleted: false } });
    const unfollowed = await api('DELETE', '/follow?consistency=strong', { followerId: a.id, followeeId: b.id });
    assert.equal(unfollowed.status, 204);
    const seq2 = positionOf(unfollowed.headers.get('x-consistency-token')!);
    assert.deepEqual(await observeOne(entity), { neo4j: { position: null, deleted: false }, timescaledb: { position: seq2, deleted: true } });
    await api('DELETE', `/users/${a.id}`);
    await api('DELETE', `/users/${b.id}`);
  });

  test('with a token it first waits until every projection shows that write; several entities in one request', async () => {
    const user = await createUser('observed-token');
    const renamed = await api('PUT', `/users/${user.id}`, { email: user.email, name: 'renamed, eventually' });
    const token = renamed.headers.get('x-consistency-token')!;
    const answer = await observe([`users:${user.id}`, `users:${user.id}`, 'users:999999999999'], token);
    const seen = answer.entities[`users:${user.id}`]!.observed;
    for (const store of ['postgres', 'neo4j', 'redis', 'timescaledb']) assert.ok(seen[store]!.position! >= positionOf(token), `${store}: ${JSON.stringify(seen)}`);
    assert.deepEqual(answer.entities['users:999999999999']!.observed, { postgres: { position: null, deleted: false }, neo4j: { position: null, deleted: false }, redis: { position: null, deleted: false }, timescaledb: { position: null, deleted: false } });
    await api('DELETE', `/users/${user.id}`);
  });

  test('Redis counts only what the pipeline keeps without expiry: a copy filled on a miss is left out', async () => {
    const stores = openStores();
    // Far past the users sequence, so no real profile shares the key; the test deletes it again.
    const id = 999_999_000_001;
    try {
      await stores.redis.set(userKey(id), JSON.stringify({ id, name: 'filled', email: 'x@e2e.test', position: 0 }), 'EX', 60);
      assert.equal('redis' in (await observeOne(`users:${id}`)), false);
    } finally {
      await stores.redis.del(userKey(id));
      await stores.close();
    }
  });

  test('bad entities are a 400 naming the field', async () => {
    for (const entities of [[], ['users:abc'], ['posts:123'], ['graph:1'], Array.from({ length: 201 }, (_, i) => `users:${i + 1}`)]) {
      const response = await api('POST', '/lab/observations', { entities });
      assert.equal(response.status, 400, JSON.stringify(entities).slice(0, 80));
      assert.equal(response.body.code, 'VALIDATION_FAILED');
    }
  });
});

describe('observations from gateways of this test’s own', () => {
  const gateways: RunningGateway[] = [];
  after(async () => {
    for (const g of gateways) await g.stop();
  });
  const own = async (env: Record<string, string>) => {
    const g = await start(loadGatewayConfig({ ...process.env, PORT: '0', LOG_LEVEL: 'silent', LOGIN_MAX_PER_ADDRESS: '100000', ...env }));
    gateways.push(g);
    return `http://127.0.0.1:${g.port}`;
  };

  test('a store whose service does not answer is left out and named; the others still answer', async () => {
    const url = await own({ ANALYTICS_URL: 'http://127.0.0.1:1' });
    const user = await createUser('observed-outage');
    const answer = await callAs(url, 'POST', '/lab/observations', { entities: [`users:${user.id}`] });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(Object.keys(answer.body.entities[`users:${user.id}`].observed).sort(), ['neo4j', 'postgres', 'redis']);
    assert.match(answer.body.unavailable.timescaledb, /analytics/);
    await api('DELETE', `/users/${user.id}`);
  });

  test('with AUTH_REQUIRED on it is an admin’s: 401 without a session', async () => {
    const url = await own({ AUTH_REQUIRED: 'true' });
    const answer = await callAs(url, 'POST', '/lab/observations', { entities: ['users:1'] });
    assert.equal(answer.status, 401);
    assert.equal(answer.body.code, 'UNAUTHENTICATED');
  });
});
