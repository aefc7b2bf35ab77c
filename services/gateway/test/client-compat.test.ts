// Existing clients unchanged: ids given as JSON integers or as strings of
// digits (as an HTML <select> sends them) everywhere an id is taken, through
// REST and GraphQL, against the real users, posts, graph and analytics
// services; PUT /posts/:id with the whole post as read; /analytics events with
// `type`; /cache-status in the units clients display, measured from Redis INFO.
import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { userKey } from '@polyglot/contracts/cache-keys';
import { urls } from '@polyglot/contracts/endpoints';
import { parseInfo } from '../src/data-access/redis-info.ts';
import { call, redisClient, startStack, uniqueEmail, type Answer, type Stack } from './support.ts';

const stack: Stack = await startStack({ services: ['users', 'posts', 'graph', 'analytics'] });
const base = stack.url;
const redis = redisClient();
const users: number[] = [];
const posts: string[] = [];
const follows: Array<[number, number]> = [];

after(async () => {
  for (const [followerId, followeeId] of follows) await call(base, 'DELETE', '/follow', { followerId, followeeId }).catch(() => undefined);
  for (const id of posts) await call(base, 'DELETE', `/posts/${id}`).catch(() => undefined);
  for (const id of users) {
    await call(base, 'DELETE', `/users/${id}`).catch(() => undefined);
    await redis.del(userKey(id));
  }
  redis.disconnect();
  await stack.stop();
});

/** Every form of id that is not a positive whole number up to 2^53 - 1 or the digits of one. */
const REFUSED: unknown[] = ['17a', '-1', '1.5', 0, '0', '', ' 17', '17 ', '017', '+17', '0x11', '1e3', 1e300, '9007199254740992', 9007199254740992, 1.5, -1, null, true, [17], { id: 17 }];

async function newUser(name: string): Promise<{ id: number; name: string; email: string }> {
  const r = await call(base, 'POST', '/users', { email: uniqueEmail(name.toLowerCase()), name, password: 'correct horse' });
  assert.equal(r.status, 201, r.text);
  users.push(r.body.id);
  return r.body;
}

function gql(query: string, variables?: Record<string, unknown>): Promise<Answer> {
  return call(base, 'POST', '/graphql', { query, variables });
}

describe('REST: ids as a JSON integer or a string of digits', () => {
  let ann: { id: number; name: string };
  let ben: { id: number; name: string };
  before(async () => {
    ann = await newUser('Ann Select');
    ben = await newUser('Ben Select');
  });

  test('POST /posts, like and comment with ids as strings: stored and answered as integers', async () => {
    const created = await call(base, 'POST', '/posts', { author_id: String(ann.id), title: 'from a select', body: 'b', tags: ['x'] });
    assert.equal(created.status, 201, created.text);
    posts.push(created.body._id);
    assert.equal(created.body.author_id, ann.id);
    const read = await call(base, 'GET', `/posts/${created.body._id}`);
    assert.equal(read.body.author_id, ann.id);
    assert.equal(read.body.user?.id, ann.id);

    const liked = await call(base, 'POST', `/posts/${created.body._id}/like`, { userId: String(ben.id) });
    assert.equal(liked.status, 200, liked.text);
    assert.equal(liked.body.meta.likes, 1);
    const comment = await call(base, 'POST', `/posts/${created.body._id}/comments`, { author_id: String(ben.id), body: 'nice' });
    assert.equal(comment.status, 201, comment.text);
    assert.equal(comment.body.author_id, ben.id);
    // The gateway checks the commenter exists with the integer too: digits of nobody are 404.
    const ghost = await call(base, 'POST', `/posts/${created.body._id}/comments`, { author_id: '999999999999', body: 'boo' });
    assert.equal(ghost.status, 404);
    assert.equal(ghost.body.code, 'USER_NOT_FOUND');
  });

  test('POST and DELETE /follow with ids as strings', async () => {
    const r = await call(base, 'POST', '/follow', { followerId: String(ann.id), followeeId: String(ben.id) });
    assert.equal(r.status, 201, r.text);
    follows.push([ann.id, ben.id]);
    assert.equal(r.body.followerId, ann.id);
    assert.equal(r.body.followeeId, ben.id);
    const relationships = await call(base, 'GET', `/relationships?after=${ann.id - 1}:${Number.MAX_SAFE_INTEGER}`);
    assert.ok(relationships.body.some((x: { followerId: unknown; followeeId: unknown }) => x.followerId === ann.id && x.followeeId === ben.id));
    const self = await call(base, 'POST', '/follow', { followerId: String(ann.id), followeeId: ann.id });
    assert.equal(self.status, 400);
    assert.equal(self.body.code, 'SELF_FOLLOW', 'the digits and the number are the same user');
    const gone = await call(base, 'DELETE', '/follow', { followerId: String(ann.id), followeeId: String(ben.id) });
    assert.equal(gone.status, 204, gone.text);
  });

  test('every other form is 400 VALIDATION_FAILED, in bodies and in paths', async () => {
    const post = await call(base, 'POST', '/posts', { author_id: ann.id, title: 'target', body: 'b' });
    assert.equal(post.status, 201, post.text);
    posts.push(post.body._id);
    for (const bad of REFUSED) {
      const label = JSON.stringify(bad);
      for (const [method, path, body] of [
        ['POST', '/posts', { author_id: bad, title: 't', body: 'b' }],
        ['PUT', `/posts/${post.body._id}`, { title: 't', author_id: bad }],
        ['POST', `/posts/${post.body._id}/like`, { userId: bad }],
        ['POST', `/posts/${post.body._id}/comments`, { author_id: bad, body: 'b' }],
        ['POST', '/follow', { followerId: bad, followeeId: ben.id }],
        ['POST', '/follow', { followerId: ann.id, followeeId: bad }],
        ['DELETE', '/follow', { followerId: bad, followeeId: ben.id }],
      ] as const) {
        const r = await call(base, method, path, body);
        assert.equal(r.status, 400, `${method} ${path} ${label} → ${r.text}`);
        assert.equal(r.body.code, 'VALIDATION_FAILED', `${method} ${path} ${label}`);
      }
    }
    for (const bad of ['17a', '-1', '1.5', '0', '%2017', '017', '9007199254740992', '1e3']) {
      for (const path of [`/users/${bad}`, `/users/${bad}/feed`]) {
        const r = await call(base, 'GET', path);
        assert.equal(r.status, 400, `${path} → ${r.text}`);
        assert.equal(r.body.code, 'VALIDATION_FAILED', path);
      }
    }
    assert.equal((await call(base, 'GET', `/posts/${post.body._id}`)).body.title, 'target', 'no refused request changed the post');
  });

  test('PUT /posts/:id takes back the post as read: author_id equal passes (number or digits), another is 400 AUTHOR_CHANGE_NOT_ALLOWED', async () => {
    const created = await call(base, 'POST', '/posts', { author_id: ann.id, title: 'original', body: 'b', tags: ['t'] });
    assert.equal(created.status, 201, created.text);
    posts.push(created.body._id);
    const { title, body, tags } = created.body as { title: string; body: string; tags: string[] };
    const same = await call(base, 'PUT', `/posts/${created.body._id}`, { title: `${title} edited`, body, tags, author_id: String(ann.id) });
    assert.equal(same.status, 200, same.text);
    assert.equal(same.body.title, 'original edited');
    assert.equal(same.body.author_id, ann.id);
    const asNumber = await call(base, 'PUT', `/posts/${created.body._id}`, { title, body, tags, author_id: ann.id });
    assert.equal(asNumber.status, 200, asNumber.text);

    for (const other of [ben.id, String(ben.id)]) {
      const r = await call(base, 'PUT', `/posts/${created.body._id}`, { title: 'taken over', body, tags, author_id: other });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.code, 'AUTHOR_CHANGE_NOT_ALLOWED');
      assert.match(r.body.error, /the author of a post cannot change/);
    }
    const after = await call(base, 'GET', `/posts/${created.body._id}`);
    assert.equal(after.body.title, 'original');
    assert.equal(after.body.author_id, ann.id);
  });
});

describe('GraphQL: id arguments as numbers or strings of digits', () => {
  let cy: { id: number; name: string };
  let di: { id: number; name: string };
  before(async () => {
    cy = await newUser('Cy Gql');
    di = await newUser('Di Gql');
  });

  test('user(id:) takes a SafeInt variable given as digits, and a quoted literal', async () => {
    const byVariable = await gql('query ($id: SafeInt!) { user(id: $id) { id name } }', { id: String(cy.id) });
    assert.equal(byVariable.status, 200, byVariable.text);
    assert.deepEqual(byVariable.body.data.user, { id: cy.id, name: cy.name });
    const byLiteral = await gql(`{ user(id: "${cy.id}") { id } feed(userId: "${cy.id}") { total } }`);
    assert.equal(byLiteral.body.errors, undefined, byLiteral.text);
    assert.equal(byLiteral.body.data.user.id, cy.id);
  });

  test('follow, createPost, updatePost (author_id equal or not), likePost and addComment with ids as digits', async () => {
    const followed = await gql('mutation ($a: SafeInt!, $b: SafeInt!) { follow(followerId: $a, followeeId: $b) { follow { followerId followeeId created } } }', { a: String(cy.id), b: String(di.id) });
    assert.equal(followed.body.errors, undefined, followed.text);
    follows.push([cy.id, di.id]);
    assert.deepEqual(followed.body.data.follow.follow, { followerId: cy.id, followeeId: di.id, created: true });

    const created = await gql('mutation ($i: CreatePostInput!) { createPost(input: $i) { post { _id author_id } } }', { i: { author_id: String(cy.id), title: 'gql select', body: 'b' } });
    assert.equal(created.body.errors, undefined, created.text);
    const post = created.body.data.createPost.post as { _id: string; author_id: number };
    posts.push(post._id);
    assert.equal(post.author_id, cy.id);

    const update = 'mutation ($id: ID!, $i: UpdatePostInput!) { updatePost(id: $id, input: $i) { post { title author_id } } }';
    const same = await gql(update, { id: post._id, i: { title: 'gql edited', author_id: String(cy.id) } });
    assert.equal(same.body.errors, undefined, same.text);
    assert.deepEqual(same.body.data.updatePost.post, { title: 'gql edited', author_id: cy.id });
    const other = await gql(update, { id: post._id, i: { title: 'taken', author_id: di.id } });
    assert.equal(other.body.errors?.[0]?.extensions?.code, 'AUTHOR_CHANGE_NOT_ALLOWED', other.text);

    const liked = await gql(`mutation { likePost(id: "${post._id}", userId: "${di.id}") { post { meta } } }`);
    assert.equal(liked.body.errors, undefined, liked.text);
    assert.equal(liked.body.data.likePost.post.meta.likes, 1);
    const comment = await gql('mutation ($p: ID!, $i: CreateCommentInput!) { addComment(postId: $p, input: $i) { comment { author_id } } }', { p: post._id, i: { author_id: String(di.id), body: 'hi' } });
    assert.equal(comment.body.errors, undefined, comment.text);
    assert.equal(comment.body.data.addComment.comment.author_id, di.id);

    const unfollowed = await gql('mutation ($a: SafeInt!, $b: SafeInt!) { unfollow(followerId: $a, followeeId: $b) { deleted } }', { a: cy.id, b: String(di.id) });
    assert.equal(unfollowed.body.errors, undefined, unfollowed.text);
  });

  test('every other form is refused with VALIDATION_FAILED in extensions.code, as variable or literal', async () => {
    for (const bad of REFUSED) {
      const r = await gql('query ($id: SafeInt!) { user(id: $id) { id } }', { id: bad });
      const codes = (r.body.errors ?? []).map((e: { extensions?: { code?: string } }) => e.extensions?.code);
      assert.ok(codes.length > 0 && codes.every((c: unknown) => c === 'VALIDATION_FAILED'), `${JSON.stringify(bad)} → ${r.text}`);
      assert.ok(!r.body.data?.user, JSON.stringify(bad));
    }
    for (const literal of ['"17a"', '"-1"', '"0"', '"017"', '" 17"', '""', '"9007199254740992"', '0', '-1', '1.5', '9007199254740992']) {
      const r = await gql(`{ user(id: ${literal}) { id } }`);
      assert.equal(r.body.errors?.[0]?.extensions?.code, 'VALIDATION_FAILED', `${literal} → ${r.text}`);
    }
    const follow = await gql('mutation ($a: SafeInt!, $b: SafeInt!) { follow(followerId: $a, followeeId: $b) { follow { created } } }', { a: String(cy.id), b: '1.5' });
    assert.equal(follow.body.errors?.[0]?.extensions?.code, 'VALIDATION_FAILED', follow.text);
  });
});

describe('what the original client reads', () => {
  test('/analytics: each event carries type, the same as event_type, and time (REST and GraphQL)', async () => {
    // No projection runs beside these tests, and a fresh stack has recorded nothing: one row of our own,
    // the newest, for a test user id, removed again so the reconciler never sees it.
    const db = new pg.Client({ connectionString: urls.timescaledb });
    await db.connect();
    const eventId = `test:${randomUUID()}`;
    const userId = 900_000_000 + randomInt(99_999_999);
    try {
      await db.query(
        `INSERT INTO events (time, user_id, event_type, properties, event_id, source, entity_id, position) VALUES (now(), $1, 'USER_CREATED', '{}'::jsonb, $2, 'users', $3, 1)`,
        [userId, eventId, String(userId)],
      );
      const r = await call(base, 'GET', '/analytics');
      assert.equal(r.status, 200, r.text);
      assert.ok(r.body.events.some((e: { user_id: number }) => e.user_id === userId), 'the row just recorded is among the latest events');
      for (const event of r.body.events) {
        assert.equal(typeof event.type, 'string');
        assert.equal(event.type, event.event_type);
        assert.ok(!Number.isNaN(Date.parse(event.time)), event.time);
      }
      const q = await gql('{ analytics { events { time type event_type user_id } } }');
      assert.equal(q.body.errors, undefined, q.text);
      assert.ok(q.body.data.analytics.events.length > 0);
      for (const event of q.body.data.analytics.events) assert.equal(event.type, event.event_type);
    } finally {
      await db.query('DELETE FROM events WHERE event_id = $1', [eventId]);
      await db.end();
    }
  });

  test('/cache-status: memory in megabytes and hitRate in percent, the exact figures beside them, from Redis INFO', async () => {
    const before = parseInfo(await redis.info());
    const r = await call(base, 'GET', '/cache-status');
    const afterInfo = parseInfo(await redis.info());
    assert.equal(r.status, 200, r.text);
    const s = r.body;
    assert.equal(s.connected, true);
    for (const field of ['memory', 'memoryBytes', 'keys', 'hitRate', 'hitRatio', 'hits', 'misses', 'evictions', 'opsPerSec']) assert.equal(typeof s[field], 'number', field);
    assert.equal(typeof s.memoryHuman, 'string');
    assert.match(s.memoryHuman, /^[\d.]+[BKMGT]?$/);
    assert.equal(s.memory, Math.round((s.memoryBytes / 1048576) * 100) / 100);
    assert.ok(s.memory > 0);
    assert.equal(s.hitRatio, s.hits + s.misses === 0 ? 0 : s.hits / (s.hits + s.misses));
    assert.equal(s.hitRate, Math.round(s.hitRatio * 100 * 100) / 100);
    assert.ok(s.hitRate >= 0 && s.hitRate <= 100);
    // Measured, not invented: Redis's own counters bracket what the gateway answered.
    const count = (info: Map<string, string>, field: string) => Number(info.get(field));
    assert.ok(s.hits >= count(before, 'keyspace_hits') && s.hits <= count(afterInfo, 'keyspace_hits'), `hits ${s.hits}`);
    assert.ok(s.misses >= count(before, 'keyspace_misses') && s.misses <= count(afterInfo, 'keyspace_misses'), `misses ${s.misses}`);
    const bytes = [count(before, 'used_memory'), count(afterInfo, 'used_memory')];
    assert.ok(s.memoryBytes > Math.min(...bytes) / 2 && s.memoryBytes < Math.max(...bytes) * 2, `memoryBytes ${s.memoryBytes} near ${bytes.join(', ')}`);

    const q = await gql('{ cacheStatus { memory memoryBytes memoryHuman hitRate hitRatio } }');
    assert.equal(q.body.errors, undefined, q.text);
    const g = q.body.data.cacheStatus;
    assert.equal(typeof g.memory, 'number');
    assert.equal(typeof g.memoryHuman, 'string');
    assert.equal(g.memory, Math.round((g.memoryBytes / 1048576) * 100) / 100);
    assert.equal(g.hitRate, Math.round(g.hitRatio * 100 * 100) / 100);
  });

  test('/openapi.json documents an id as an integer or a string of digits', async () => {
    const doc = (await call(base, 'GET', '/openapi.json')).body;
    const authorId = doc.paths['/posts'].post.requestBody.content['application/json'].schema.properties.author_id;
    const kinds = (authorId.anyOf as Array<{ type: string; pattern?: string }>).map((s) => s.type).sort();
    assert.deepEqual(kinds, ['integer', 'string']);
    assert.ok(authorId.anyOf.some((s: { pattern?: string }) => s.pattern === '^[1-9][0-9]{0,15}$'));
    const put = doc.paths['/posts/{id}'].put.requestBody.content['application/json'].schema.properties;
    assert.ok(put.author_id, 'PUT /posts/:id documents author_id');
    const follow = doc.paths['/follow'].post.requestBody.content['application/json'].schema.properties;
    assert.ok(follow.followerId.anyOf && follow.followeeId.anyOf);
  });
});
