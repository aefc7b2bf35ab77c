// Accounts when AUTH_REQUIRED is on, against the real users service, the state
// Redis and the posts, graph, analytics and projectors services: admin is a role
// granted only from the command line (./stackctl admin grant|revoke), never by an
// email; sessions are kept under their token's hash, indexed per user, and end on
// a password change, a deletion or a role change; a new email or password needs
// the current password; other people's emails are left out of responses; the dead
// letters and the live streams need a session. With AUTH_REQUIRED off, nothing of
// this changes what a client sees.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { sessionKey, userSessionsKey } from '@polyglot/contracts/cache-keys';
import { waitFor } from '@polyglot/platform/wait-for';
import { upgradeRequest } from '@polyglot/platform/test-fixtures/raw-http';
import { setRole } from '@polyglot/stack/commands/admin';
import type { RunningGateway } from '../src/app.ts';
import { tokenHash } from '../src/data-access/session.store.ts';
import { connectGraphQL } from '../test-fixtures/graphql-ws.ts';
import { bearer, call, startGateway, startStack, stateRedisClient, uniqueEmail, type Stack } from './support.ts';

const PASSWORD = 'correct horse battery';
const CLI = resolve(import.meta.dirname, '..', '..', '..', 'stack', 'src', 'cli.ts');

const stack: Stack = await startStack({ services: ['users', 'posts', 'graph', 'analytics', 'projectors', 'cacheProjection'] });
const redis = stateRedisClient();
// An email that looks like an admin's, listed in ADMIN_EMAILS: that list must make nobody an admin.
const bootstrapEmail = uniqueEmail('bootstrap-admin');
let gateway: RunningGateway;
let url: string;
const users: number[] = [];
const posts: string[] = [];

before(async () => {
  gateway = await startGateway({
    USERS_URL: stack.services.users!,
    POSTS_URL: stack.services.posts!,
    GRAPH_URL: stack.services.graph!,
    ANALYTICS_URL: stack.services.analytics!,
    PROJECTORS_URL: stack.services.projectors!,
    AUTH_REQUIRED: 'true',
    ADMIN_EMAILS: bootstrapEmail,
  });
  url = `http://127.0.0.1:${gateway.port}`;
});

after(async () => {
  for (const id of posts) await call(stack.url, 'DELETE', `/posts/${id}`).catch(() => undefined);
  for (const id of users) await call(stack.url, 'DELETE', `/users/${id}`).catch(() => undefined);
  redis.disconnect();
  await gateway?.stop();
  await stack.stop();
});

interface Person {
  id: number;
  email: string;
  name: string;
}

async function signUp(name: string, email = uniqueEmail(name)): Promise<Person> {
  const r = await call(url, 'POST', '/users', { email, name, password: PASSWORD });
  assert.equal(r.status, 201, r.text);
  users.push(r.body.id);
  return { id: r.body.id, email, name };
}

async function logIn(email: string, password = PASSWORD): Promise<string> {
  const r = await call(url, 'POST', '/auth/login', { email, password });
  assert.equal(r.status, 200, r.text);
  return r.body.token;
}

const me = async (token: string) => call(url, 'GET', '/auth/me', undefined, { headers: bearer(token) });
const faults = async (token: string) => call(url, 'GET', '/faults', undefined, { headers: bearer(token) });
const gql = (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) => call(url, 'POST', '/graphql', { query, variables }, { headers });

describe('admin is a role, set only from the command line', () => {
  test('no API sets a role: an unknown key role is 400 in POST and PUT bodies and in GraphQL inputs', async () => {
    const email = uniqueEmail('self-made');
    for (const r of [
      await call(url, 'POST', '/users', { email, name: 'Self Made', password: PASSWORD, role: 'admin' }),
      await call(stack.url, 'POST', '/users', { email, name: 'Self Made', password: PASSWORD, role: 'admin' }),
    ]) {
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.code, 'VALIDATION_FAILED');
      assert.match(r.body.error, /role/);
    }
    const person = await signUp('Plain');
    const token = await logIn(person.email);
    const put = await call(url, 'PUT', `/users/${person.id}`, { email: person.email, name: 'Plain', role: 'admin' }, { headers: bearer(token) });
    assert.equal(put.status, 400, put.text);
    assert.equal(put.body.code, 'VALIDATION_FAILED');
    const created = await gql('mutation { createUser(input: {email: "x@example.test", name: "X", password: "long enough", role: "admin"}) { user { id } } }');
    assert.ok(created.body.errors?.length, created.text);
    const updated = await gql('mutation ($id: SafeInt!, $e: String!) { updateUser(id: $id, input: {email: $e, name: "X", role: "admin"}) { user { id } } }', { id: person.id, e: person.email }, bearer(token));
    assert.ok(updated.body.errors?.length, updated.text);
    // Whatever was sent, the account is a plain user.
    const self = await me(token);
    assert.equal(self.status, 200, self.text);
    assert.equal(self.body.role, 'user');
    assert.equal((await faults(token)).body.code, 'ADMIN_REQUIRED');
  });

  test('registering with, or renaming to, an admin-looking email gives no admin rights', async () => {
    const registered = await signUp('Boot', bootstrapEmail);
    const first = await faults(await logIn(registered.email));
    assert.equal(first.status, 403, first.text);
    assert.equal(first.body.code, 'ADMIN_REQUIRED');
    assert.match(first.body.error, /\.\/stackctl admin grant EMAIL/);

    // An admin's email, taken over by renaming: still nobody's admin rights but the admin's.
    const admin = await signUp('Real Admin');
    await setRole(admin.email, 'admin');
    const renamer = await signUp('Renamer');
    const adminToken = await logIn(admin.email);
    const renamed = uniqueEmail('renamed-admin');
    assert.equal((await call(url, 'PUT', `/users/${admin.id}`, { email: renamed, name: admin.name, currentPassword: PASSWORD }, { headers: bearer(adminToken) })).status, 200);
    const token = await logIn(renamer.email);
    const taken = await call(url, 'PUT', `/users/${renamer.id}`, { email: admin.email, name: renamer.name, currentPassword: PASSWORD }, { headers: bearer(token) });
    assert.equal(taken.status, 200, taken.text);
    assert.equal((await faults(await logIn(admin.email))).body.code, 'ADMIN_REQUIRED', 'the old admin email is now a plain user');
    // The admin stays one under the new email: the role is on the user, not on the email.
    assert.equal((await faults(await logIn(renamed))).status, 200);
  });

  test('granted by the CLI: admin; revoked: not, and every session of the user ends with each change', async () => {
    const person = await signUp('Operator');
    const early = await logIn(person.email);
    assert.equal((await faults(early)).body.code, 'ADMIN_REQUIRED');

    const granted = await setRole(person.email.toUpperCase(), 'admin');
    assert.deepEqual({ ...granted, sessionsEnded: granted.sessionsEnded >= 1 }, { userId: person.id, email: person.email, role: 'admin', previous: 'user', sessionsEnded: true });
    assert.equal((await me(early)).status, 401, 'the session opened before the grant ended');
    const token = await logIn(person.email);
    const second = await logIn(person.email);
    assert.equal((await faults(token)).status, 200);
    assert.equal((await me(token)).body.role, 'admin');

    await setRole(person.email, 'user');
    for (const t of [token, second]) {
      const r = await faults(t);
      assert.equal(r.status, 401, r.text);
      assert.equal(r.body.code, 'UNAUTHENTICATED');
    }
    assert.equal(await redis.exists(userSessionsKey(person.id)), 0);
    assert.equal((await faults(await logIn(person.email))).body.code, 'ADMIN_REQUIRED');
  });

  test('./stackctl admin grant and revoke: what they print, and their refusals', async () => {
    const run = promisify(execFile);
    const person = await signUp('Cli');
    const token = await logIn(person.email);
    const granted = await run(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, 'admin', 'grant', person.email]);
    assert.match(granted.stdout, new RegExp(`^User ${person.id} \\(${person.email.replace(/[.]/g, '\\.')}\\) is now an admin; 1 session ended: they log in again\\.\\n$`));
    assert.equal((await me(token)).status, 401);
    assert.equal((await faults(await logIn(person.email))).status, 200);
    const again = await run(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, 'admin', 'grant', person.email]);
    assert.match(again.stdout, /was already an admin/);
    const revoked = await run(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, 'admin', 'revoke', person.email]);
    assert.match(revoked.stdout, /is no longer an admin/);
    assert.equal((await faults(await logIn(person.email))).body.code, 'ADMIN_REQUIRED');

    const unknown = await run(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, 'admin', 'grant', uniqueEmail('nobody')]).catch((e: { code: number; stderr: string }) => e);
    assert.equal((unknown as { code: number }).code, 1);
    assert.match((unknown as { stderr: string }).stderr, /no user has the email .*\[NO_SUCH_USER\]/);
    const usage = await run(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, 'admin', 'promote', person.email]).catch((e: { code: number; stderr: string }) => e);
    assert.equal((usage as { code: number }).code, 2);
    assert.match((usage as { stderr: string }).stderr, /\[BAD_ARGUMENT\]/);
  });
});

describe('sessions', () => {
  test('Redis holds the SHA-256 of a token, never the token: no key or index member is the token', async () => {
    const person = await signUp('Hashed');
    const token = await logIn(person.email);
    assert.equal(await redis.get(sessionKey(tokenHash(token))), String(person.id));
    assert.deepEqual(await redis.smembers(userSessionsKey(person.id)), [tokenHash(token)]);
    assert.notEqual(tokenHash(token), token);
    const [, keys] = await redis.scan('0', 'MATCH', `*${token}*`, 'COUNT', 100_000);
    assert.deepEqual(keys, [], 'no key names the token');
  });

  test('a password change ends every session of the user; the new password logs in, the old does not', async () => {
    const person = await signUp('Changer');
    const [one, two] = [await logIn(person.email), await logIn(person.email)];
    const changed = await call(url, 'PUT', `/users/${person.id}`, { email: person.email, name: person.name, password: 'a new password', currentPassword: PASSWORD }, { headers: bearer(one) });
    assert.equal(changed.status, 200, changed.text);
    for (const t of [one, two]) assert.equal((await me(t)).status, 401);
    assert.equal(await redis.exists(sessionKey(tokenHash(one)), sessionKey(tokenHash(two)), userSessionsKey(person.id)), 0);
    assert.equal((await call(url, 'POST', '/auth/login', { email: person.email, password: PASSWORD })).status, 401);
    assert.equal((await me(await logIn(person.email, 'a new password'))).body.id, person.id);
  });

  test('deleting a user ends every session at once', async () => {
    const person = await signUp('Leaver');
    const [one, two] = [await logIn(person.email), await logIn(person.email)];
    assert.equal((await call(url, 'DELETE', `/users/${person.id}`, undefined, { headers: bearer(one) })).status, 204);
    assert.equal(await redis.exists(sessionKey(tokenHash(one)), sessionKey(tokenHash(two)), userSessionsKey(person.id)), 0);
  });
});

describe('a new email or password needs the current password', () => {
  test('missing: 403 CURRENT_PASSWORD_REQUIRED; wrong: 401 INVALID_CREDENTIALS; nothing changes either way', async () => {
    const person = await signUp('Careful');
    const token = await logIn(person.email);
    const h = { headers: bearer(token) };
    for (const body of [
      { email: uniqueEmail('stolen'), name: person.name },
      { email: person.email, name: person.name, password: 'taken over!' },
    ]) {
      const missing = await call(url, 'PUT', `/users/${person.id}`, body, h);
      assert.equal(missing.status, 403, missing.text);
      assert.equal(missing.body.code, 'CURRENT_PASSWORD_REQUIRED');
      assert.match(missing.body.error, /currentPassword/);
      const wrong = await call(url, 'PUT', `/users/${person.id}`, { ...body, currentPassword: 'not my password' }, h);
      assert.equal(wrong.status, 401, wrong.text);
      assert.equal(wrong.body.code, 'INVALID_CREDENTIALS');
    }
    const still = await me(token);
    assert.equal(still.status, 200, 'the session is still valid: nothing changed');
    assert.equal(still.body.email, person.email);
    assert.equal((await call(url, 'POST', '/auth/login', { email: person.email, password: PASSWORD })).status, 200);

    // A new name alone needs none, and the same checks hold in GraphQL.
    assert.equal((await call(url, 'PUT', `/users/${person.id}`, { email: person.email, name: 'Careful Renamed' }, h)).status, 200);
    const viaGraphQL = await gql('mutation ($id: SafeInt!) { updateUser(id: $id, input: {email: "elsewhere@example.test", name: "X"}) { user { id } } }', { id: person.id }, bearer(token));
    assert.equal(viaGraphQL.body.errors?.[0]?.extensions?.code, 'CURRENT_PASSWORD_REQUIRED', viaGraphQL.text);
    const newEmail = uniqueEmail('moved');
    const moved = await gql('mutation ($id: SafeInt!, $e: String!, $p: String!) { updateUser(id: $id, input: {email: $e, name: "Moved", currentPassword: $p}) { user { email } } }', { id: person.id, e: newEmail, p: PASSWORD }, bearer(token));
    assert.equal(moved.body.data?.updateUser.user.email, newEmail, moved.text);
  });

  test('with AUTH_REQUIRED off, a change needs no current password, as before', async () => {
    const person = await signUp('Open');
    const r = await call(stack.url, 'PUT', `/users/${person.id}`, { email: uniqueEmail('open-moved'), name: person.name, password: 'another password' });
    assert.equal(r.status, 200, r.text);
  });
});

describe("other people's emails", () => {
  let alice: Person;
  let bob: Person;
  let aliceToken: string;
  let bobPost: string;
  let alicePost: string;
  before(async () => {
    alice = await signUp('Alice');
    bob = await signUp('Bob');
    aliceToken = await logIn(alice.email);
    const mine = await call(url, 'POST', '/posts', { author_id: alice.id, title: 'hers', body: 'b' }, { headers: bearer(aliceToken) });
    const theirs = await call(url, 'POST', '/posts', { author_id: bob.id, title: 'his', body: 'b' }, { headers: bearer(await logIn(bob.email)) });
    assert.equal(mine.status, 201, mine.text);
    assert.equal(theirs.status, 201, theirs.text);
    alicePost = mine.body._id;
    bobPost = theirs.body._id;
    posts.push(alicePost, bobPost);
  });

  test('users: the email only to its owner; anonymous readers see none', async () => {
    // Lists are a page at most (LIST_LIMIT): start just before the first of the two.
    const from = Math.min(alice.id, bob.id) - 1;
    const list = await call(url, 'GET', `/users?after=${from}`, undefined, { headers: bearer(aliceToken) });
    assert.equal(list.status, 200);
    const byId = new Map<number, Record<string, unknown>>(list.body.map((u: { id: number }) => [u.id, u]));
    assert.equal(byId.get(alice.id)?.email, alice.email);
    assert.equal('email' in byId.get(bob.id)!, false);
    assert.equal((await call(url, 'GET', `/users/${bob.id}`, undefined, { headers: bearer(aliceToken) })).body.email, undefined);
    assert.equal((await call(url, 'GET', `/users/${alice.id}`, undefined, { headers: bearer(aliceToken) })).body.email, alice.email);
    const anonymous = await call(url, 'GET', `/users?after=${from}`);
    assert.ok(anonymous.body.every((u: Record<string, unknown>) => !('email' in u)), 'no email for a reader without a session');
    const graphql = await gql('query ($after: SafeInt) { users(after: $after, limit: 10) { id email } me { email } }', { after: from }, bearer(aliceToken));
    const emails = new Map<number, string | null>(graphql.body.data.users.map((u: { id: number; email: string | null }) => [u.id, u.email]));
    assert.equal(emails.get(alice.id), alice.email);
    assert.equal(emails.get(bob.id), null);
    assert.equal(graphql.body.data.me.email, alice.email);
  });

  test("posts and feeds: an author's email only to the author", async () => {
    const post = async (id: string, token?: string) => (await call(url, 'GET', `/posts/${id}`, undefined, token ? { headers: bearer(token) } : {})).body;
    assert.deepEqual((await post(bobPost, aliceToken)).user, { id: bob.id, name: bob.name });
    assert.deepEqual((await post(alicePost, aliceToken)).user, { id: alice.id, name: alice.name, email: alice.email });
    assert.deepEqual((await post(alicePost)).user, { id: alice.id, name: alice.name });
    const page = await call(url, 'GET', '/posts?limit=50', undefined, { headers: bearer(aliceToken) });
    for (const p of page.body as Array<{ user: { id: number; email?: string } | null }>) {
      if (p.user && p.user.id !== alice.id) assert.equal(p.user.email, undefined);
    }
    const gqlPost = await gql('query ($id: ID!) { post(id: $id) { user { id email } } }', { id: bobPost }, bearer(aliceToken));
    assert.deepEqual(gqlPost.body.data.post.user, { id: bob.id, email: null });
    // Alice follows Bob: his post in her feed, without his email.
    assert.equal((await call(url, 'POST', '/follow', { followerId: alice.id, followeeId: bob.id }, { headers: bearer(aliceToken) })).status, 201);
    const feed = await waitFor('his post in her feed', async () => {
      const r = await call(url, 'GET', `/users/${alice.id}/feed`, undefined, { headers: bearer(aliceToken) });
      return (r.body as Array<{ _id: string; user: Record<string, unknown> }>).find((p) => p._id === bobPost);
    });
    assert.deepEqual(feed.user, { id: bob.id, name: bob.name });
    assert.equal((await call(url, 'DELETE', '/follow', { followerId: alice.id, followeeId: bob.id }, { headers: bearer(aliceToken) })).status, 204);
  });

  test('with AUTH_REQUIRED off, every email is shown as before', async () => {
    const list = await call(stack.url, 'GET', `/users?after=${bob.id - 1}&limit=1`);
    const bobSeen = (list.body as Array<{ id: number; email: string }>).find((u) => u.id === bob.id);
    assert.equal(bobSeen?.email, bob.email);
    assert.equal((await call(stack.url, 'GET', `/posts/${bobPost}`)).body.user.email, bob.email);
    const graphql = await call(stack.url, 'POST', '/graphql', { query: 'query ($after: SafeInt) { users(after: $after, limit: 1) { id email } }', variables: { after: bob.id - 1 } });
    assert.equal(graphql.body.data.users.find((u: { id: number }) => u.id === bob.id).email, bob.email);
  });
});

describe('reads that need a session', () => {
  test('GET /pipeline/dead-letters: 401 without a session, 200 with one; GraphQL deadLetters the same', async () => {
    const person = await signUp('Reader');
    const token = await logIn(person.email);
    const refused = await call(url, 'GET', '/pipeline/dead-letters');
    assert.equal(refused.status, 401, refused.text);
    assert.equal(refused.body.code, 'UNAUTHENTICATED');
    const allowed = await call(url, 'GET', '/pipeline/dead-letters', undefined, { headers: bearer(token) });
    assert.equal(allowed.status, 200, allowed.text);
    assert.equal((await gql('{ deadLetters { topic } }')).body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    assert.equal((await gql('{ deadLetters { topic } }', {}, bearer(token))).body.errors, undefined);
    // Off: open, as before.
    assert.equal((await call(stack.url, 'GET', '/pipeline/dead-letters')).status, 200);
  });

  test('the WebSocket /consistency/stream: the upgrade is 401 without a session, 101 with one', async () => {
    const person = await signUp('Streamer');
    const token = await logIn(person.email);
    const refused = await upgradeRequest(gateway.port, '/consistency/stream');
    assert.equal(refused.status, 401);
    assert.equal(refused.body.code, 'UNAUTHENTICATED');
    assert.equal((await upgradeRequest(gateway.port, '/consistency/stream', bearer(token))).status, 101);
    assert.equal((await upgradeRequest(stack.gateway.port, '/consistency/stream')).status, 101, 'off: open, as before');
  });

  test('GraphQL subscriptions: UNAUTHENTICATED without a session; with one in connection_init, they stream', async () => {
    const person = await signUp('Subscriber');
    const token = await logIn(person.email);
    const ws = `ws://127.0.0.1:${gateway.port}/graphql`;
    const anonymous = await connectGraphQL(ws);
    try {
      for (const query of ['subscription { health { status } }', 'subscription { changeApplied { dropped } }', 'subscription { changeVisibility(token: "users:1:1") { complete } }']) {
        const sub = anonymous.subscribe(query);
        await sub.untilDone(5000);
        assert.equal((sub.errors?.[0] as { extensions?: { code?: string } })?.extensions?.code, 'UNAUTHENTICATED', `${query}: ${JSON.stringify(sub.errors)}`);
      }
    } finally {
      await anonymous.close();
    }
    const signedIn = await connectGraphQL(ws, { authorization: `Bearer ${token}` });
    try {
      const health = signedIn.subscribe<{ data?: { health: { status: string } } }>('subscription { health { status } }');
      const first = await health.waitFor((p) => p.data?.health !== undefined, 10_000, 'a health report');
      assert.match(first.data!.health.status, /^(ok|degraded)$/);
      health.stop();
    } finally {
      await signedIn.close();
    }
  });
});
