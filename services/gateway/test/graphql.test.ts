// /graphql on the gateway, against the real services and stores: queries
// answer what the REST routes answer, mutations go through the same checks
// (errors carry the registry's code in extensions.code), AUTH_REQUIRED and the
// admin rule hold, and the subscriptions (graphql-ws) stream what the
// projections announce in Redis — next to /consistency/stream on one server.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { urls } from '@polyglot/contracts/endpoints';
import type { GatewayHealth } from '@polyglot/contracts/api';
import type { AppliedNotice } from '@polyglot/contracts/consistency';
import type { AppliedChange } from '@polyglot/platform/kafka';
import { waitFor } from '@polyglot/platform/wait-for';
import { WatermarkPublisher } from '@polyglot/platform/watermark-publisher';
import type { RunningGateway } from '../src/app.ts';
import { HealthFeed } from '../src/domain/health-feed.ts';
import { changeAppliedStream, MAX_CHANGES_PER_BATCH, type ChangeBatch } from '../src/entry-points/graphql.subscriptions.ts';
import { LiveChannel } from '../src/entry-points/live-channel.ts';
import { setRole } from '@polyglot/stack/commands/admin';
import { connectGraphQL } from '../test-fixtures/graphql-ws.ts';
import { bearer, call, DOWN_URL, startGateway, startStack, uniqueEmail, type Answer, type Stack } from './support.ts';

const PASSWORD = 'correct horse battery';

async function gql(base: string, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Answer> {
  return call(base, 'POST', '/graphql', { query, variables }, { headers });
}

/** The one error of an answer, with its code. */
function onlyError(r: Answer): { message: string; extensions: Record<string, any> } {
  assert.ok(Array.isArray(r.body?.errors) && r.body.errors.length === 1, `expected one error: ${r.text}`);
  return r.body.errors[0];
}

const stack: Stack = await startStack();
after(() => stack.stop());

describe('GraphQL over HTTP', () => {
  const users: number[] = [];
  after(async () => {
    for (const id of users) await call(stack.url, 'DELETE', `/users/${id}`).catch(() => undefined);
  });

  const createUser = async (name: string) => {
    const r = await gql(stack.url, 'mutation ($input: CreateUserInput!) { createUser(input: $input) { user { id name email created_at } consistency { token mode } } }', {
      input: { email: uniqueEmail(name), name, password: PASSWORD },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.errors, undefined, r.text);
    users.push(r.body.data.createUser.user.id);
    return r.body.data.createUser as { user: { id: number; name: string; email: string }; consistency: { token: string; mode: string } };
  };

  test('queries answer what the REST routes answer', async () => {
    const { user, consistency } = await createUser('Gql Reader');
    assert.match(consistency.token, new RegExp(`^users:${user.id}:[0-9]+$`));
    assert.equal(consistency.mode, 'EVENTUAL');
    const author = (await createUser('Gql Author')).user;

    const one = await gql(stack.url, 'query ($id: SafeInt!) { user(id: $id) { id email name created_at updated_at } }', { id: user.id });
    assert.deepEqual(one.body.data.user, (await call(stack.url, 'GET', `/users/${user.id}`)).body);

    // Newest first, as GET /users?order=newest: the two just created lead from a bound above them.
    const newest = await gql(stack.url, 'query ($after: SafeInt) { users(order: NEWEST, after: $after, limit: 2) { id } }', { after: author.id + 1 });
    assert.deepEqual(newest.body.data.users, (await call(stack.url, 'GET', `/users?order=newest&after=${author.id + 1}&limit=2`)).body.map((u: { id: number }) => ({ id: u.id })));
    assert.equal(newest.body.data.users[0].id, author.id);

    const post = await gql(stack.url, 'mutation ($input: CreatePostInput!) { createPost(input: $input) { post { _id author_id title tags meta comments_count } consistency { token } } }', {
      input: { author_id: author.id, title: 'graphql post', body: 'b', tags: ['gql'], meta: { mood: 'fine' } },
    });
    assert.equal(post.body.errors, undefined, post.text);
    const created = post.body.data.createPost.post;
    assert.deepEqual(created.meta, { mood: 'fine', likes: 0 });
    assert.equal(post.body.data.createPost.consistency.token, `posts:${created._id}:1`);

    const single = await gql(stack.url, 'query ($id: ID!) { post(id: $id) { _id author_id title body tags meta comments_count createdAt updatedAt user { id name email } } }', { id: created._id });
    assert.deepEqual(single.body.data.post, (await call(stack.url, 'GET', `/posts/${created._id}`)).body);

    // Other tests write at the same time: compare the pages until two reads in a row agree.
    for (let attempt = 0; ; attempt++) {
      const [page, rest] = [await gql(stack.url, '{ posts(limit: 3) { total hasMore nextBefore items { _id title } } }'), await call(stack.url, 'GET', '/posts?limit=3')];
      assert.equal(page.body.errors, undefined, page.text);
      const same = JSON.stringify(page.body.data.posts.items) === JSON.stringify(rest.body.map((p: { _id: string; title: string }) => ({ _id: p._id, title: p.title })));
      if ((same && page.body.data.posts.total === Number(rest.headers.get('x-total-count'))) || attempt === 5) {
        assert.ok(same, `${page.text} vs ${rest.text}`);
        assert.equal(page.body.data.posts.hasMore, rest.headers.get('link') !== null);
        if (page.body.data.posts.hasMore) assert.match(rest.headers.get('link')!, new RegExp(`before=${page.body.data.posts.nextBefore}`));
        break;
      }
    }

    const comment = await gql(stack.url, 'mutation ($post: ID!, $input: CreateCommentInput!) { addComment(postId: $post, input: $input) { comment { id post_id author_id body } } }', {
      post: created._id,
      input: { author_id: user.id, body: 'nice' },
    });
    assert.equal(comment.body.errors, undefined, comment.text);
    const comments = await gql(stack.url, 'query ($post: ID!) { comments(postId: $post) { id post_id author_id body createdAt } }', { post: created._id });
    assert.deepEqual(comments.body.data.comments, (await call(stack.url, 'GET', `/posts/${created._id}/comments`)).body);

    const followed = await gql(stack.url, 'mutation ($a: SafeInt!, $b: SafeInt!) { follow(followerId: $a, followeeId: $b) { follow { followerId followeeId created } consistency { token } } }', { a: user.id, b: author.id });
    assert.deepEqual(followed.body.data.follow.follow, { followerId: user.id, followeeId: author.id, created: true });
    assert.match(followed.body.data.follow.consistency.token, new RegExp(`^graph:${user.id}:[0-9]+$`));
    // A page from just before the new follow: the store may hold more follows than one page.
    const relationships = await gql(stack.url, 'query ($t: String, $after: String) { relationships(token: $t, after: $after, limit: 5) { followerId followeeId } }', {
      t: followed.body.data.follow.consistency.token,
      after: `${user.id}:${author.id - 1}`,
    });
    assert.equal(relationships.body.errors, undefined, relationships.text);
    assert.deepEqual(relationships.body.data.relationships[0], { followerId: user.id, followeeId: author.id });
    const feed = await gql(stack.url, 'query ($id: SafeInt!) { feed(userId: $id, limit: 10) { total items { _id } } }', { id: user.id });
    const restFeed = await call(stack.url, 'GET', `/users/${user.id}/feed?limit=10`);
    assert.deepEqual(
      feed.body.data.feed.items.map((p: { _id: string }) => p._id),
      restFeed.body.map((p: { _id: string }) => p._id),
    );
    assert.equal(feed.body.data.feed.total, Number(restFeed.headers.get('x-total-count')));

    const liked = await gql(stack.url, 'mutation ($id: ID!) { likePost(id: $id) { post { meta } } }', { id: created._id });
    assert.equal(liked.body.data.likePost.post.meta.likes, 1);

    const overview = await gql(stack.url, '{ cacheStatus { connected keys hitRate } analytics { stats { totalEvents eventTypes { type count } } series { minute event_type count } } deadLetters(limit: 1) { topic } health { status healthy services { users { status } } pipeline { connectors { name state } projections { name health { lag } } relays { name backlog } } } }');
    assert.equal(overview.body.errors, undefined, overview.text);
    assert.equal(overview.body.data.cacheStatus.connected, true);
    assert.equal(typeof overview.body.data.analytics.stats.totalEvents, 'number');
    assert.equal(typeof overview.body.data.health.services.users.status, 'string');
    assert.deepEqual(overview.body.data.health.pipeline.connectors.map((c: { name: string }) => c.name).sort(), ['posts-cdc', 'users-cdc']);
    assert.ok(overview.body.data.analytics.stats.eventTypes.every((e: { type: string; count: number }) => typeof e.type === 'string' && typeof e.count === 'number'));

    const visibility = await gql(stack.url, 'query ($t: String!) { consistency(token: $t) { token source entityId position complete projections { projection applied } } }', { t: consistency.token });
    assert.equal(visibility.body.data.consistency.token, consistency.token);
    assert.deepEqual(visibility.body.data.consistency.projections.map((p: { projection: string }) => p.projection).sort(), ['analytics', 'cache', 'graph']);

    const unfollowed = await gql(stack.url, 'mutation ($a: SafeInt!, $b: SafeInt!) { unfollow(followerId: $a, followeeId: $b) { deleted } }', { a: user.id, b: author.id });
    assert.deepEqual(unfollowed.body.data.unfollow, { deleted: true });
    const deleted = await gql(stack.url, 'mutation ($id: ID!) { deletePost(id: $id) { deleted consistency { token } } }', { id: created._id });
    assert.equal(deleted.body.data.deletePost.deleted, true);
    assert.equal((await call(stack.url, 'GET', `/posts/${created._id}`)).status, 404);
  });

  test('a mutation with bad input is refused before any write, with the REST code and message in extensions.code', async () => {
    const bad = await gql(stack.url, 'mutation { createUser(input: {email: "not-an-email", name: "x", password: "short"}) { user { id } } }');
    assert.equal(bad.status, 200, 'GraphQL over HTTP: an error during execution answers 200 with data');
    const error = onlyError(bad);
    assert.equal(error.extensions.code, 'VALIDATION_FAILED');
    assert.match(error.message, /input\.email: email must be an email address/);
    assert.match(error.message, /input\.password: password must have at least 8 characters/);
    assert.deepEqual(bad.body.data, null);

    const author = (await createUser('Gql Validator')).user;
    const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
      ['mutation ($i: CreatePostInput!) { createPost(input: $i) { post { _id } } }', { i: { author_id: author.id, title: 't', body: 'b', meta: { $where: 'sleep(1000)' } } }, 'VALIDATION_FAILED', /input\.meta/],
      ['mutation ($i: CreatePostInput!) { createPost(input: $i) { post { _id } } }', { i: { author_id: 999_999_999_999, title: 't', body: 'b' } }, 'USER_NOT_FOUND', /author_id 999999999999 is not a user/],
      ['mutation ($a: SafeInt!) { follow(followerId: $a, followeeId: $a) { follow { created } } }', { a: author.id }, 'SELF_FOLLOW', /cannot follow themselves/],
      ['mutation ($id: ID!) { updatePost(id: $id, input: {title: "x"}) { post { _id } } }', { id: 'zzz' }, 'VALIDATION_FAILED', /a post id is 24 hexadecimal characters/],
      ['mutation ($id: ID!) { updatePost(id: $id, input: {}) { post { _id } } }', { id: 'a'.repeat(24) }, 'VALIDATION_FAILED', /give at least one of title, body, tags, meta/],
      ['mutation ($id: ID!) { deletePost(id: $id) { deleted } }', { id: 'a'.repeat(24) }, 'POST_NOT_FOUND', /./],
      ['mutation ($id: SafeInt!) { updateUser(id: $id, input: {email: "a@b.example", name: "n"}, timeoutMs: 999999) { user { id } } }', { id: author.id }, 'VALIDATION_FAILED', /timeoutMs/],
      ['query { posts(limit: 500) { total } }', {}, 'VALIDATION_FAILED', /arguments\.limit/],
      ['query { users(limit: 0) { id } }', {}, 'VALIDATION_FAILED', /arguments\.limit/],
      ['query { relationships(after: "1-2") { followerId } }', {}, 'VALIDATION_FAILED', /FOLLOWER:FOLLOWEE/],
      ['query { consistency(token: "users:1") { complete } }', {}, 'VALIDATION_FAILED', /SOURCE:ENTITY:POSITION/],
    ];
    for (const [query, variables, code, message] of cases) {
      const r = await gql(stack.url, query, variables);
      const e = onlyError(r);
      assert.equal(e.extensions.code, code, `${query} → ${r.text}`);
      assert.match(e.message, message, r.text);
    }
    // The name was not changed by the refused update.
    assert.equal((await call(stack.url, 'GET', `/users/${author.id}?consistency=strong`)).body.name, 'Gql Validator');
  });

  test('a strong write that does not settle in time: CONSISTENCY_TIMEOUT naming the late projections and the token', async () => {
    const { user } = await createUser('Gql Late');
    const r = await gql(stack.url, 'mutation ($id: SafeInt!, $e: String!) { updateUser(id: $id, input: {email: $e, name: "Late"}, consistency: STRONG, timeoutMs: 1) { user { id } } }', { id: user.id, e: user.email });
    const e = onlyError(r);
    assert.equal(e.extensions.code, 'CONSISTENCY_TIMEOUT');
    assert.match(e.extensions.token, new RegExp(`^users:${user.id}:[0-9]+$`));
    assert.ok(e.extensions.late.length > 0);
    assert.equal((await call(stack.url, 'GET', `/users/${user.id}?consistency=strong`)).body.name, 'Late', 'the write itself is committed');
    const fromSource = await gql(stack.url, 'query ($id: SafeInt!) { user(id: $id, consistency: STRONG) { name } }', { id: user.id });
    assert.equal(fromSource.body.data.user.name, 'Late', 'a strong read is the source’s');
  });

  test('requests GraphQL cannot run are refused with a status and a code', async () => {
    const syntax = await gql(stack.url, '{ users { id ');
    assert.equal(syntax.status, 400);
    assert.equal(onlyError(syntax).extensions.code, 'VALIDATION_FAILED');
    assert.equal('data' in syntax.body, false, 'nothing ran: no data key');
    const unknown = await gql(stack.url, '{ nope }');
    assert.equal(unknown.status, 400);
    assert.match(onlyError(unknown).message, /Cannot query field "nope"/);
    const extraKey = await call(stack.url, 'POST', '/graphql', { query: '{ cacheStatus { keys } }', $where: '1' });
    assert.equal(extraKey.status, 400);
    assert.equal(onlyError(extraKey).extensions.code, 'VALIDATION_FAILED');
    const malformed = await call(stack.url, 'POST', '/graphql', undefined, { raw: '{"query": ', headers: { 'content-type': 'application/json' } });
    assert.equal(malformed.status, 400);
    assert.equal(onlyError(malformed).extensions.code, 'MALFORMED_JSON');
    const mutationByGet = await call(stack.url, 'GET', `/graphql?query=${encodeURIComponent('mutation { logout }')}`);
    assert.equal(mutationByGet.status, 405);
    assert.equal(onlyError(mutationByGet).extensions.code, 'METHOD_NOT_ALLOWED');
    const byGet = await call(stack.url, 'GET', `/graphql?query=${encodeURIComponent('{ cacheStatus { connected } }')}`);
    assert.equal(byGet.status, 200);
    assert.equal(byGet.body.data.cacheStatus.connected, true);
  });

  test('/graphql stays out of the OpenAPI document; /graphiql leads to the UI’s GraphiQL', async () => {
    const doc = await call(stack.url, 'GET', '/openapi.json');
    assert.deepEqual(Object.keys(doc.body.paths).filter((p) => p.includes('graph')), []);
    const page = await fetch(`${stack.url}/graphiql`, { redirect: 'manual' });
    assert.equal(page.status, 302);
    assert.equal(page.headers.get('location'), 'http://127.0.0.1:3000/graphiql');
    const elsewhere = await startGateway({ UI_URL: 'http://ui.example:8080/' });
    try {
      const moved = await fetch(`http://127.0.0.1:${elsewhere.port}/graphiql`, { redirect: 'manual' });
      assert.equal(moved.headers.get('location'), 'http://ui.example:8080/graphiql');
    } finally {
      await elsewhere.stop();
    }
  });

  test('a service that is down: STORE_UNAVAILABLE naming it', async () => {
    const down = await startGateway({ USERS_URL: DOWN_URL, POSTS_URL: DOWN_URL, GRAPH_URL: DOWN_URL });
    try {
      const r = await gql(`http://127.0.0.1:${down.port}`, '{ users { id } }');
      const e = onlyError(r);
      assert.equal(e.extensions.code, 'STORE_UNAVAILABLE');
      assert.match(e.message, /the users service \(PostgreSQL\) is unavailable/);
    } finally {
      await down.stop();
    }
  });
});

describe('GraphQL with AUTH_REQUIRED on', () => {
  let url: string;
  let gateway: RunningGateway;
  const adminEmail = uniqueEmail('gql-admin');
  let me: { id: number; email: string };
  let other: { id: number; email: string };
  let token: string;
  before(async () => {
    gateway = await startGateway({ USERS_URL: stack.services.users ?? DOWN_URL, POSTS_URL: stack.services.posts ?? DOWN_URL, GRAPH_URL: stack.services.graph ?? DOWN_URL, AUTH_REQUIRED: 'true' });
    url = `http://127.0.0.1:${gateway.port}`;
  });
  after(async () => {
    for (const u of [me, other]) if (u) await call(stack.url, 'DELETE', `/users/${u.id}`).catch(() => undefined);
    await gateway.stop();
  });

  const signUp = async (email: string) => {
    // Creating an account needs no session, as POST /users.
    const r = await gql(url, 'mutation ($i: CreateUserInput!) { createUser(input: $i) { user { id email } } }', { i: { email, name: 'Gql Auth', password: PASSWORD } });
    assert.equal(r.body.errors, undefined, r.text);
    return r.body.data.createUser.user as { id: number; email: string };
  };

  test('writes need a session, checked before the input; a session changes only its own user', async () => {
    me = await signUp(uniqueEmail('gql-me'));
    other = await signUp(uniqueEmail('gql-other'));
    // Reads need none, though they are POSTs to /graphql.
    assert.equal((await gql(url, '{ cacheStatus { connected } }')).body.data.cacheStatus.connected, true);

    const anonymous = await gql(url, 'mutation { updateUser(id: 1, input: {email: "bad", name: ""}) { user { id } } }');
    assert.equal(onlyError(anonymous).extensions.code, 'UNAUTHENTICATED', 'no session: 401 before the input is looked at');

    const login = await gql(url, 'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { token user { id } } }', { e: me.email, p: PASSWORD });
    assert.equal(login.body.errors, undefined, login.text);
    token = login.body.data.login.token;
    assert.equal(login.body.data.login.user.id, me.id);
    assert.equal((await gql(url, '{ me { id } }', undefined, bearer(token))).body.data.me.id, me.id);

    const own = await gql(url, 'mutation ($id: SafeInt!, $e: String!) { updateUser(id: $id, input: {email: $e, name: "Renamed"}) { user { name } } }', { id: me.id, e: me.email }, bearer(token));
    assert.equal(own.body.data?.updateUser.user.name, 'Renamed', own.text);
    const theirs = await gql(url, 'mutation ($id: SafeInt!, $e: String!) { updateUser(id: $id, input: {email: $e, name: "Hijacked"}) { user { name } } }', { id: other.id, e: other.email }, bearer(token));
    const forbidden = onlyError(theirs);
    assert.equal(forbidden.extensions.code, 'FORBIDDEN');
    assert.match(forbidden.message, new RegExp(`you are logged in as user ${me.id}`));
    const follow = await gql(url, 'mutation ($a: SafeInt!, $b: SafeInt!) { follow(followerId: $a, followeeId: $b) { follow { created } } }', { a: other.id, b: me.id }, bearer(token));
    assert.equal(onlyError(follow).extensions.code, 'FORBIDDEN');
  });

  test('faults, lab and reconcile need an admin: UNAUTHENTICATED without a session, ADMIN_REQUIRED for anyone else', async () => {
    const queries = ['{ faults { projections { name } } }', '{ labExperiments { id } }', '{ reconcile { total } }', 'mutation { pauseProjection(name: "nope") { name } }', 'mutation { unitAction(unit: "nope", action: stop) { output } }'];
    for (const query of queries) {
      assert.equal(onlyError(await gql(url, query)).extensions.code, 'UNAUTHENTICATED', query);
      assert.equal(onlyError(await gql(url, query, undefined, bearer(token))).extensions.code, 'ADMIN_REQUIRED', query);
    }
    const admin = await signUp(adminEmail);
    try {
      // Signing up with any email makes no admin: ./stackctl admin grant does.
      const before = await gql(url, 'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: adminEmail, p: PASSWORD });
      assert.equal(onlyError(await gql(url, '{ faults { projections { name } } }', undefined, bearer(before.body.data.login.token))).extensions.code, 'ADMIN_REQUIRED');
      await setRole(adminEmail, 'admin');
      const login = await gql(url, 'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: adminEmail, p: PASSWORD });
      const adminToken = login.body.data.login.token;
      const faults = await gql(url, '{ faults { projections { name service } units { actions } } }', undefined, bearer(adminToken));
      assert.equal(faults.body.errors, undefined, faults.text);
      assert.deepEqual(faults.body.data.faults.projections.map((p: { name: string }) => p.name), ['graph', 'cache', 'analytics', 'user-cascade']);
      // An admin with a name that is not a projection: the same 404 code as REST, and nothing is paused.
      const unknown = await gql(url, 'mutation { pauseProjection(name: "nope") { name } }', undefined, bearer(adminToken));
      assert.equal(onlyError(unknown).extensions.code, 'UNKNOWN_PROJECTION');
      const badLab = await gql(url, 'mutation { runLabExperiment(input: {mode: "strong", writes: 1000, rate: 1, kind: "users"}) { id } }', undefined, bearer(adminToken));
      assert.equal(onlyError(badLab).extensions.code, 'VALIDATION_FAILED');
    } finally {
      await call(stack.url, 'DELETE', `/users/${admin.id}`);
    }
  });

  test('logout ends the session', async () => {
    assert.equal((await gql(url, 'mutation { logout }', undefined, bearer(token))).body.data.logout, true);
    assert.equal(onlyError(await gql(url, '{ me { id } }', undefined, bearer(token))).extensions.code, 'UNAUTHENTICATED');
  });
});

describe('GraphQL subscriptions over graphql-ws', () => {
  let gateway: RunningGateway;
  let ws: string;
  const publishers = new Map<string, WatermarkPublisher>();
  const logger = pino({ level: 'silent' });
  // Entity ids far above the stack's own, so the running system never touches them.
  const entity = () => String(9_000_000_000 + randomInt(1_000_000_000));
  const announce = (projection: 'graph' | 'cache' | 'analytics', changes: AppliedChange[]) => {
    let publisher = publishers.get(projection);
    if (!publisher) publishers.set(projection, (publisher = new WatermarkPublisher({ projection, redisUrl: urls.redisState, logger })));
    publisher.applied(changes);
  };
  const change = (entityId: string, position: number, committedAt = Date.now() - 40): AppliedChange => ({
    occurredAt: new Date(committedAt),
    change: { source: 'users', entityId, position, type: 'USER_UPDATED' },
    kafka: { topic: 'pg.public.users', partition: 0, offset: String(position), publishedAt: committedAt + 10 },
  });
  // graphql-ws does not acknowledge a subscription. A sentinel change of the entity is
  // announced until the subscription delivers it: from then on every announcement reaches
  // it. Tests leave the sentinel's position out of what they count.
  const SENTINEL = 0;
  const registered = (projection: 'graph' | 'cache', id: string, seen: () => boolean) =>
    waitFor(
      'the subscription registered (its sentinel change delivered)',
      () => {
        if (seen()) return true;
        announce(projection, [change(id, SENTINEL)]);
        return false;
      },
      { timeoutMs: 5000, intervalMs: 100 },
    );

  before(async () => {
    gateway = await startGateway({ USERS_URL: DOWN_URL, POSTS_URL: DOWN_URL, GRAPH_URL: DOWN_URL, ANALYTICS_URL: DOWN_URL, PROJECTORS_URL: DOWN_URL });
    ws = `ws://127.0.0.1:${gateway.port}/graphql`;
  });
  after(async () => {
    for (const p of publishers.values()) await p.close();
    await gateway.stop();
  });

  test('changeApplied streams each projection’s changes of an entity, with token, delay and Kafka record', async () => {
    const socket = await connectGraphQL(ws);
    try {
      const id = entity();
      const sub = socket.subscribe<{ data: { changeApplied: ChangeBatch } }>(
        'subscription ($id: String) { changeApplied(entityId: $id) { dropped from to changes { projection source entityId position token type committedAt appliedAt visibleAfterMs kafka { topic offset publishedAt } } } }',
        { id },
      );
      await registered('graph', id, () => sub.payloads.length > 0);
      for (const projection of ['graph', 'cache', 'analytics'] as const) announce(projection, [change(id, 42)]);
      const all = () => sub.payloads.flatMap((p) => p.data.changeApplied.changes).filter((c) => c.position !== SENTINEL);
      await sub.waitFor(() => all().length >= 3, 5000, 'three applied changes');
      assert.deepEqual(all().map((c) => c.projection).sort(), ['analytics', 'cache', 'graph']);
      for (const c of all()) {
        assert.equal(c.token, `users:${id}:42`);
        assert.equal(c.entityId, id);
        assert.equal(c.visibleAfterMs, c.appliedAt - c.committedAt);
        assert.ok(c.visibleAfterMs >= 40);
        assert.deepEqual(c.kafka, { topic: 'pg.public.users', offset: '42', publishedAt: c.committedAt + 10 });
      }
      assert.ok(sub.payloads.filter((p) => p.data.changeApplied.changes.some((c) => c.position !== SENTINEL)).length <= 3);
      assert.ok(sub.payloads.every((p) => p.data.changeApplied.dropped === 0));
      sub.stop();
    } finally {
      await socket.close();
    }
  });

  test('under a burst, changeApplied sends a few batched messages, not one per change', async () => {
    const socket = await connectGraphQL(ws);
    try {
      const id = entity();
      const sub = socket.subscribe<{ data: { changeApplied: ChangeBatch } }>('subscription ($id: String) { changeApplied(entityId: $id, projection: cache) { dropped changes { position } } }', { id });
      await registered('cache', id, () => sub.payloads.length > 0);
      const ours = () => sub.payloads.filter((p) => p.data.changeApplied.dropped > 0 || p.data.changeApplied.changes.some((c) => c.position !== SENTINEL));
      const started = Date.now();
      // 600 changes over about 300 ms (hundreds a second), in announcements of 20.
      for (let i = 0; i < 30; i++) {
        announce('cache', Array.from({ length: 20 }, (_, j) => change(id, i * 20 + j + 1)));
        await new Promise((r) => setTimeout(r, 10));
      }
      const count = () => ours().reduce((n, p) => n + p.data.changeApplied.changes.filter((c) => c.position !== SENTINEL).length + p.data.changeApplied.dropped, 0);
      await sub.waitFor(() => count() === 600, 5000, '600 changes');
      const elapsed = Date.now() - started;
      assert.ok(ours().length <= Math.ceil(elapsed / 200) + 1, `${ours().length} messages for 600 changes in ${elapsed} ms`);
      const positions = ours().flatMap((p) => p.data.changeApplied.changes.map((c) => c.position).filter((position) => position !== SENTINEL));
      assert.deepEqual(positions, Array.from({ length: 600 }, (_, i) => i + 1), 'in order, none lost');
    } finally {
      await socket.close();
    }
  });

  test('changeVisibility reports a change as each projection applies it, then completes', async () => {
    const socket = await connectGraphQL(ws);
    try {
      const id = entity();
      const token = `users:${id}:7`;
      const sub = socket.subscribe<{ data: { changeVisibility: { complete: boolean; committedAt: string | null; publishedAt: string | null; projections: Array<{ projection: string; applied: boolean; visibleAfterMs: number | null }> } } }>(
        'subscription ($t: String!) { changeVisibility(token: $t) { token complete committedAt publishedAt projections { projection applied visibleAfterMs } } }',
        { t: token },
      );
      const first = await sub.waitFor(() => true, 3000, 'the first state');
      assert.equal(first.data.changeVisibility.complete, false);
      assert.ok(first.data.changeVisibility.projections.every((p) => !p.applied));
      announce('graph', [change(id, 7)]);
      await sub.waitFor((p) => p.data.changeVisibility.projections.some((v) => v.projection === 'graph' && v.applied), 3000, 'graph applied');
      announce('cache', [change(id, 7)]);
      announce('analytics', [change(id, 7)]);
      await sub.untilDone(5000);
      const last = sub.payloads.at(-1)!.data.changeVisibility;
      assert.equal(last.complete, true);
      assert.ok(last.committedAt && last.publishedAt);
      for (const p of last.projections) assert.ok(p.applied && typeof p.visibleAfterMs === 'number', p.projection);
    } finally {
      await socket.close();
    }
  });

  test('a subscription with a bad argument is refused with the code', async () => {
    const socket = await connectGraphQL(ws);
    try {
      const sub = socket.subscribe('subscription { changeVisibility(token: "not-a-token") { complete } }');
      await sub.done;
      const errors = (sub.errors ?? sub.payloads[0]?.errors) as Array<{ message: string; extensions?: { code?: string } }>;
      assert.ok(errors?.length, JSON.stringify(socket.received));
      assert.equal(errors[0]!.extensions?.code, 'VALIDATION_FAILED');
      assert.match(errors[0]!.message, /SOURCE:ENTITY:POSITION/);
    } finally {
      await socket.close();
    }
  });

  test('health streams the report about every 2 s', async () => {
    const socket = await connectGraphQL(ws);
    try {
      const sub = socket.subscribe<{ data: { health: { status: string; healthy: boolean; checkedAt: string; services: Record<string, { status: string }> } } }>('subscription { health { status healthy checkedAt services { users { status } posts { status } } } }');
      await sub.waitFor(() => sub.payloads.length >= 2, 7000, 'two reports');
      const [a, b] = sub.payloads.map((p) => p.data.health);
      assert.equal(a!.healthy, false, 'the services are down here');
      assert.equal(a!.services.users!.status, 'down');
      const gap = Date.parse(b!.checkedAt) - Date.parse(a!.checkedAt);
      assert.ok(gap >= 1900 && gap <= 2600, `${gap} ms between reports`);
      // A second subscriber gets the latest report at once, from the same poller.
      const late = socket.subscribe<{ data: { health: { checkedAt: string } } }>('subscription { health { checkedAt } }');
      const first = await late.waitFor(() => true, 500, 'the latest report at once');
      assert.ok(sub.payloads.some((p) => p.data.health.checkedAt === first.data.health.checkedAt));
    } finally {
      await socket.close();
    }
  });

  test('/consistency/stream still works next to /graphql on the one WebSocket server', async () => {
    const id = entity();
    const socket = new WebSocket(`ws://127.0.0.1:${gateway.port}/consistency/stream`);
    const messages: Array<{ type: string; notices: AppliedNotice[] }> = [];
    try {
      await new Promise<void>((resolve, reject) => {
        socket.addEventListener('open', () => resolve());
        socket.addEventListener('error', () => reject(new Error('/consistency/stream did not open')));
      });
      socket.addEventListener('message', (event) => messages.push(JSON.parse(String(event.data))));
      // The stream acknowledges nothing: the change is announced until the stream carries it.
      await waitFor(
        'the applied notice on /consistency/stream',
        () => {
          if (messages.some((m) => m.type === 'applied' && m.notices.some((n) => n.entityId === id))) return true;
          announce('graph', [change(id, 3)]);
          return false;
        },
        { timeoutMs: 5000, intervalMs: 100 },
      );
    } finally {
      socket.close();
    }
  });
});

describe('the live streams stay bounded', () => {
  test('a value the client has not taken absorbs the next; return() ends a pending next() and cleans up', async () => {
    let cleaned = 0;
    const channel = new LiveChannel<number[]>({ merge: (a, b) => a.concat(b), cleanup: () => cleaned++ });
    channel.push([1]);
    channel.push([2, 3]);
    assert.deepEqual(await channel.next(), { value: [1, 2, 3], done: false });
    const pending = channel.next();
    await channel.return();
    assert.deepEqual(await pending, { value: undefined, done: true });
    assert.equal(cleaned, 1);
    channel.push([4]);
    assert.deepEqual(await channel.next(), { value: undefined, done: true });
  });

  test('changeApplied caps a window and counts what it left out', async () => {
    let listener: ((notices: AppliedNotice[]) => void) | undefined;
    const stream = changeAppliedStream({ listen: (l) => ((listener = l), () => (listener = undefined)) }, {}, 50);
    const notice = (i: number): AppliedNotice => ({ projection: 'cache', source: 'posts', entityId: 'a'.repeat(24), position: i, type: 'POST_UPDATED', committedAt: 1, appliedAt: 2 });
    listener!(Array.from({ length: MAX_CHANGES_PER_BATCH + 500 }, (_, i) => notice(i)));
    const { value } = await stream.next();
    assert.equal(value!.changes.length, MAX_CHANGES_PER_BATCH);
    assert.equal(value!.dropped, 500);
    await stream.return();
    assert.equal(listener, undefined, 'unsubscribed from the watcher');
  });

  test('one health poller for every subscriber: started by the first, stopped with the last', async (t) => {
    let checks = 0;
    const healthy: { healthy: boolean; report: GatewayHealth } = { healthy: true, report: { status: 'ok', services: { users: { status: 'ok' }, posts: { status: 'ok' }, graph: { status: 'ok' }, analytics: { status: 'ok' }, projectors: { status: 'ok' } }, stores: { redis: { status: 'ok' }, redisState: { status: 'ok' } }, pipeline: { connector: { state: 'RUNNING', tasks: [] }, connectors: {}, projections: {}, relays: {} }, tracing: { enabled: false, sampleRatio: 0, exportedSpans: 0, failedSpans: 0, lastError: null } } };
    const feed = new HealthFeed(
      async () => {
        checks++;
        return healthy;
      },
      pino({ level: 'silent' }),
      100,
    );
    const seen: number[] = [];
    const started = Date.now();
    const stopA = feed.subscribe(() => seen.push(1));
    const stopB = feed.subscribe(() => seen.push(2));
    // A failed assertion must not leave the poller's timer keeping the test file alive.
    t.after(() => feed.stop());
    await waitFor('four polling rounds', () => checks >= 4, { timeoutMs: 5000, intervalMs: 10 });
    // One round per 100 ms, however many subscribers: two pollers would make twice as many. A timer is
    // armed from the event loop's cached clock, so a round may come a millisecond or two before 100 ms
    // of Date.now() have passed: one round of slack, which two pollers (8 rounds by then) cannot hide in.
    const elapsed = Date.now() - started;
    assert.ok(checks <= Math.floor(elapsed / 100) + 2, `${checks} rounds in ${elapsed} ms at 100 ms, whatever the number of subscribers`);
    stopA();
    assert.equal(feed.polling, true);
    stopB();
    assert.equal(feed.polling, false);
    const after = checks;
    // A sentinel poller on the same period: once it has run three rounds, the stopped one would have too.
    let sentinelRounds = 0;
    const sentinel = new HealthFeed(
      async () => {
        sentinelRounds++;
        return healthy;
      },
      pino({ level: 'silent' }),
      100,
    );
    const stopSentinel = sentinel.subscribe(() => undefined);
    try {
      await waitFor('three rounds of the sentinel poller', () => sentinelRounds >= 3, { timeoutMs: 5000, intervalMs: 10 });
    } finally {
      stopSentinel();
    }
    assert.equal(checks, after, 'no subscriber, no probes');
  });
});
