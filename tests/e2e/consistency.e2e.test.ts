// Strong writes, read-your-writes and the follow-up of a write, on the running
// system: what the API promises, checked in Neo4j, Redis and TimescaleDB.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { userKey } from '@polyglot/contracts/cache-keys';
import { waitFor } from '@polyglot/platform/wait-for';
import { api, createUser, cypher, gateway, openStores, runId, type Stores } from './support.ts';

let stores: Stores;
before(() => {
  stores = openStores();
});
after(() => stores.close());

async function graphName(id: number): Promise<string | undefined> {
  const rows = await cypher<{ name: string }>(stores.neo4j, 'MATCH (u:User {id: $id}) RETURN u.name AS name', { id });
  return rows[0]?.name;
}

async function cachedName(id: number): Promise<string | undefined> {
  const raw = await stores.redis.get(userKey(id));
  return raw === null ? undefined : (JSON.parse(raw) as { name: string }).name;
}

async function analyticsRows(type: string, id: number | string): Promise<number> {
  const { rows } = await stores.timescale.query<{ n: string }>('SELECT count(*) AS n FROM events WHERE event_type = $1 AND entity_id = $2', [type, String(id)]);
  return Number(rows[0]!.n);
}

describe('strong writes', () => {
  test('answer only once Neo4j, Redis and TimescaleDB show the change, with how long each took', async () => {
    const user = await createUser('strong');
    const name = `Strong ${runId}`;
    const put = await api('PUT', `/users/${user.id}?consistency=strong`, { email: user.email, name });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const { consistency } = put.body;
    assert.equal(consistency.mode, 'strong');
    assert.match(consistency.token, new RegExp(`^users:${user.id}:[0-9]+$`));
    assert.equal(put.headers.get('x-consistency-token'), consistency.token);
    for (const projection of ['graph', 'cache', 'analytics']) assert.equal(typeof consistency.visibleAfterMs[projection], 'number', projection);
    // No waiting here: strong means every store already answers with the new name.
    assert.equal(await graphName(user.id), name);
    assert.equal(await cachedName(user.id), name);
    assert.equal(await analyticsRows('USER_UPDATED', user.id), 1);
  });

  test('the X-Consistency header works too, for posts and follows', async () => {
    const [a, b] = [await createUser('strong-a'), await createUser('strong-b')];
    const headers = { 'content-type': 'application/json', 'x-consistency': 'strong' };
    const post = await fetch(`${gateway}/posts`, { method: 'POST', headers, body: JSON.stringify({ author_id: a.id, title: 'strong post', body: 'b' }) });
    assert.equal(post.status, 201);
    const created = (await post.json()) as { _id: string; consistency: { token: string; visibleAfterMs: Record<string, number> } };
    assert.equal(created.consistency.token, `posts:${created._id}:1`);
    const edges = await cypher(stores.neo4j, 'MATCH (:User {id: $a})-[:POSTED]->(:Post {id: $p}) RETURN 1 AS one', { a: a.id, p: created._id });
    assert.equal(edges.length, 1, 'the :POSTED edge is there when the write answers');
    assert.equal(await analyticsRows('POST_CREATED', created._id), 1);

    const follow = await fetch(`${gateway}/follow`, { method: 'POST', headers, body: JSON.stringify({ followerId: a.id, followeeId: b.id }) });
    assert.equal(follow.status, 201);
    const followed = (await follow.json()) as { consistency: { token: string; visibleAfterMs: Record<string, number> } };
    assert.match(followed.consistency.token, new RegExp(`^graph:${a.id}:[0-9]+$`));
    // A follow is born in Neo4j: it waits for the cache and analytics projections only.
    assert.deepEqual(Object.keys(followed.consistency.visibleAfterMs).sort(), ['analytics', 'cache']);
    assert.equal(await analyticsRows('FOLLOW_CREATED', a.id), 1);
  });

  test('too short a wait answers 504 CONSISTENCY_TIMEOUT naming the late projections; the write itself is committed', async () => {
    const user = await createUser('late');
    const put = await api('PUT', `/users/${user.id}?consistency=strong&timeoutMs=1`, { email: user.email, name: `Late ${runId}` });
    assert.equal(put.status, 504);
    assert.equal(put.body.code, 'CONSISTENCY_TIMEOUT');
    assert.ok(put.body.late.length > 0);
    assert.match(put.body.error, /projection/);
    assert.equal(put.body.token, put.headers.get('x-consistency-token'));
    assert.equal((await api('GET', `/users/${user.id}?consistency=strong`)).body.name, `Late ${runId}`);
  });

  test('a bad mode or token is a 400 that says what is expected', async () => {
    const user = await createUser('bad-mode');
    const mode = await api('PUT', `/users/${user.id}?consistency=linearizable`, { email: user.email, name: 'x' });
    assert.equal(mode.status, 400);
    assert.equal(mode.body.code, 'VALIDATION_FAILED');
    const header = await fetch(`${gateway}/relationships`, { headers: { 'x-consistency-token': 'not-a-token' } });
    assert.equal(header.status, 400);
    assert.match(((await header.json()) as { error: string }).error, /SOURCE:ENTITY:POSITION/);
    assert.equal((await api('GET', '/analytics?token=users:1')).status, 400);
  });
});

describe('read-your-writes', () => {
  test('a read with the token of a write never returns data older than that write (30 writes)', async () => {
    const [reader, writer] = [await createUser('ryw-reader'), await createUser('ryw-writer')];
    assert.equal((await api('POST', '/follow', { followerId: reader.id, followeeId: writer.id })).status, 201);
    // Strong: lists and feeds are served from the listings the cache projection keeps, and the tokens below are the renames'.
    const post = await api('POST', '/posts?consistency=strong', { author_id: writer.id, title: 'ryw', body: 'b' });
    assert.equal(post.status, 201);
    for (let i = 0; i < 30; i++) {
      const name = `RYW ${runId} #${i}`;
      const put = await api('PUT', `/users/${writer.id}`, { email: writer.email, name });
      assert.equal(put.status, 200);
      const token = encodeURIComponent(put.body.consistency.token);
      // Names in /relationships come from the graph projection, authors in /posts and the feed from the cache projection.
      const [relationships, posts, feed] = await Promise.all([
        // From just before this follow: the store may hold more follows than one page.
        api('GET', `/relationships?token=${token}&after=${reader.id}:${writer.id - 1}&limit=5`),
        api('GET', `/posts?limit=100&token=${token}`),
        api('GET', `/users/${reader.id}/feed?token=${token}`),
      ]);
      const edge = relationships.body.find((r: { followerId: number; followeeId: number }) => r.followerId === reader.id && r.followeeId === writer.id);
      assert.equal(edge?.followeeName, name, `relationships after write ${i}`);
      assert.equal(posts.body.find((p: { _id: string }) => p._id === post.body._id)?.user?.name, name, `posts after write ${i}`);
      assert.equal(feed.body.find((p: { _id: string }) => p._id === post.body._id)?.user?.name, name, `feed after write ${i}`);
    }
  });

  test('a read with a token of analytics waits until the event is recorded', async () => {
    const user = await createUser('ryw-analytics');
    const put = await api('PUT', `/users/${user.id}`, { email: user.email, name: `Counted ${runId}` });
    const analytics = await api('GET', `/analytics?token=${encodeURIComponent(put.body.consistency.token)}`);
    assert.equal(analytics.status, 200);
    assert.equal(await analyticsRows('USER_UPDATED', user.id), 1);
  });
});

describe('following a write', () => {
  test('GET /consistency/:token tells, per projection, when the change became visible', async () => {
    const user = await createUser('follow-up');
    const put = await api('PUT', `/users/${user.id}`, { email: user.email, name: `Followed ${runId}` });
    const token = put.body.consistency.token as string;
    const state = await waitFor('every projection applied the change', async () => {
      const answer = await api('GET', `/consistency/${encodeURIComponent(token)}`);
      return answer.body.complete ? answer.body : false;
    }, { timeoutMs: 20_000 });
    assert.equal(state.token, token);
    assert.ok(state.committedAt);
    for (const projection of ['graph', 'cache', 'analytics']) {
      assert.equal(state.projections[projection].applied, true);
      assert.ok(state.projections[projection].visibleAfterMs >= 0, projection);
    }
  });

  test('the WebSocket stream sends the change as each projection applies it, then closes', async () => {
    const user = await createUser('stream');
    const put = await api('PUT', `/users/${user.id}`, { email: user.email, name: `Streamed ${runId}` });
    const token = put.body.consistency.token as string;
    const socket = new WebSocket(`${gateway.replace('http', 'ws')}/consistency/stream?token=${encodeURIComponent(token)}`);
    const messages: Array<{ type: string; complete: boolean; projections: Record<string, { applied: boolean }> }> = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no complete visibility within 10 s: ${JSON.stringify(messages)}`)), 10_000);
      socket.addEventListener('message', (event) => messages.push(JSON.parse(String(event.data))));
      socket.addEventListener('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.addEventListener('error', () => reject(new Error('WebSocket error')));
    });
    const last = messages.at(-1)!;
    assert.equal(last.type, 'visibility');
    assert.equal(last.complete, true);
    assert.deepEqual(Object.keys(last.projections).sort(), ['analytics', 'cache', 'graph']);
  });
});
