// GraphQL on the running system: a write made through a mutation is seen,
// over a graphql-ws subscription, being applied by each projection — the
// live feed the UI draws — and a strong mutation answers only once every
// store shows it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectGraphQL, type GraphQLSocket } from '@polyglot/gateway/test-fixtures/graphql-ws';
import { api, gateway, runId } from './support.ts';

const ws = `${gateway.replace('http', 'ws')}/graphql`;
const PASSWORD = 'correct horse battery';

async function gql(query: string, variables?: Record<string, unknown>): Promise<any> {
  const r = await api('POST', '/graphql', { query, variables });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
  return r.body.data;
}

interface Change {
  projection: string;
  source: string;
  entityId: string;
  position: number;
  token: string;
  type: string;
  committedAt: number;
  appliedAt: number;
  visibleAfterMs: number;
  kafka: { topic: string; partition: number; offset: string; publishedAt: number } | null;
}

describe('GraphQL subscriptions on the running gateway', () => {
  let socket: GraphQLSocket;
  const users: number[] = [];
  before(async () => {
    socket = await connectGraphQL(ws);
  });
  after(async () => {
    await socket?.close();
    for (const id of users) await api('DELETE', `/users/${id}`).catch(() => undefined);
  });

  test('changeApplied: a user created by a mutation is applied by the graph, cache and analytics projections, each with its delay', async () => {
    const sub = socket.subscribe<{ data: { changeApplied: { dropped: number; changes: Change[] } } }>(
      'subscription { changeApplied(source: users) { dropped changes { projection source entityId position token type committedAt appliedAt visibleAfterMs kafka { topic partition offset publishedAt } } } }',
    );
    // graphql-ws acknowledges no subscription: a first user's change arriving says it is registered.
    const sentinel = await gql('mutation ($i: CreateUserInput!) { createUser(input: $i) { user { id } } }', {
      i: { email: `gql-e2e-sentinel-${runId}@example.test`, name: `GraphQL sentinel ${runId}`, password: PASSWORD },
    });
    users.push(sentinel.createUser.user.id);
    await sub.waitFor(() => sub.payloads.some((p) => p.data.changeApplied.changes.some((c) => c.entityId === String(sentinel.createUser.user.id))), 20_000, 'the sentinel user’s change');
    const created = await gql('mutation ($i: CreateUserInput!) { createUser(input: $i) { user { id } consistency { token mode } } }', {
      i: { email: `gql-e2e-${runId}@example.test`, name: `GraphQL ${runId}`, password: PASSWORD },
    });
    const { user, consistency } = created.createUser;
    users.push(user.id);
    assert.equal(consistency.mode, 'EVENTUAL');
    const position = Number(consistency.token.split(':')[2]);

    const mine = () => sub.payloads.flatMap((p) => p.data.changeApplied.changes).filter((c) => c.entityId === String(user.id));
    await sub.waitFor(() => new Set(mine().map((c) => c.projection)).size === 3, 20_000, 'the change from all three projections');
    const byProjection = new Map(mine().map((c) => [c.projection, c]));
    assert.deepEqual([...byProjection.keys()].sort(), ['analytics', 'cache', 'graph']);
    for (const [projection, c] of byProjection) {
      assert.equal(c.source, 'users');
      assert.equal(c.type, 'USER_CREATED', projection);
      assert.ok(c.position >= position, `${projection}: position ${c.position} ≥ the token's ${position}`);
      assert.equal(c.token, `users:${user.id}:${c.position}`);
      assert.ok(c.visibleAfterMs >= 0 && c.visibleAfterMs < 20_000, `${projection}: ${c.visibleAfterMs} ms`);
      if (c.kafka) assert.ok(c.kafka.publishedAt >= c.committedAt - 1000 && c.kafka.publishedAt <= c.appliedAt + 1000, `${projection}: Kafka took it between commit and apply`);
    }
    // Batched: never one message per change (the system may be busy with other tests' writes too).
    const changes = sub.payloads.reduce((n, p) => n + p.data.changeApplied.changes.length, 0);
    assert.ok(sub.payloads.length <= changes, `${sub.payloads.length} messages for ${changes} changes`);
    sub.stop();
  });

  test('changeVisibility follows an update made through a mutation until every store shows it', async () => {
    const { createUser } = await gql('mutation ($i: CreateUserInput!) { createUser(input: $i, consistency: STRONG) { user { id email } } }', {
      i: { email: `gql-vis-${runId}@example.test`, name: `Visible ${runId}`, password: PASSWORD },
    });
    users.push(createUser.user.id);
    const { updateUser } = await gql('mutation ($id: SafeInt!, $e: String!, $n: String!) { updateUser(id: $id, input: {email: $e, name: $n}) { user { name } consistency { token } } }', {
      id: createUser.user.id,
      e: createUser.user.email,
      n: `Renamed ${runId}`,
    });
    const sub = socket.subscribe<{ data: { changeVisibility: { complete: boolean; publishedAt: string | null; projections: Array<{ projection: string; applied: boolean; visibleAfterMs: number | null }> } } }>(
      'subscription ($t: String!) { changeVisibility(token: $t) { complete publishedAt projections { projection applied visibleAfterMs } } }',
      { t: updateUser.consistency.token },
    );
    await sub.untilDone(20_000);
    assert.equal(sub.errors, null);
    const last = sub.payloads.at(-1)!.data.changeVisibility;
    assert.equal(last.complete, true);
    assert.deepEqual(last.projections.map((p) => p.projection).sort(), ['analytics', 'cache', 'graph']);
    // What REST answers for the same token agrees.
    const rest = await api('GET', `/consistency/${encodeURIComponent(updateUser.consistency.token)}`);
    assert.equal(rest.body.complete, true);
  });

  test('a STRONG post mutation answers once Neo4j, Redis and TimescaleDB show it, with each delay', async () => {
    const author = (await api('POST', '/users', { email: `gql-author-${runId}@example.test`, name: `Author ${runId}`, password: PASSWORD })).body;
    users.push(author.id);
    const { createPost } = await gql('mutation ($i: CreatePostInput!) { createPost(input: $i, consistency: STRONG) { post { _id } consistency { token mode visibleAfterMs { projection ms } } } }', {
      i: { author_id: author.id, title: `strong ${runId}`, body: 'b' },
    });
    assert.equal(createPost.consistency.mode, 'STRONG');
    assert.equal(createPost.consistency.token, `posts:${createPost.post._id}:1`);
    const visibleAfter = new Map((createPost.consistency.visibleAfterMs as Array<{ projection: string; ms: number | null }>).map((v) => [v.projection, v.ms]));
    for (const projection of ['graph', 'cache', 'analytics']) assert.equal(typeof visibleAfter.get(projection), 'number', projection);
    // Read-your-writes through GraphQL too: the page served from the cache shows it.
    const { posts } = await gql('query ($t: String) { posts(limit: 20, token: $t) { items { _id } } }', { t: createPost.consistency.token });
    assert.ok(posts.items.some((p: { _id: string }) => p._id === createPost.post._id));
  });

  test('health streams the system’s report', async () => {
    const sub = socket.subscribe<{ data: { health: { status: string; healthy: boolean; services: Record<string, { status: string }> } } }>('subscription { health { status healthy services { users { status } } } }');
    const first = await sub.waitFor(() => true, 5000, 'a health report');
    assert.ok(['ok', 'degraded'].includes(first.data.health.status));
    assert.ok(first.data.health.services.users, 'names each service');
    sub.stop();
  });
});
