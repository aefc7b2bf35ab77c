// The users service against the real PostgreSQL: the happy paths, the
// consistency token, and that no password or hash ever leaves it.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { pino } from 'pino';
import { REDACTED_PATHS } from '@polyglot/platform/logger';
import { call, cleanUp, directClient, POSITION, positionOf, startService, uniqueEmail, type Service } from './helpers.ts';

const PASSWORD = 'correct horse battery staple';

let service: Service;
let db: pg.Client;
const logLines: string[] = [];

before(async () => {
  // A logger at the most verbose level, captured, to prove no secret reaches the log.
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level: 'trace', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
  // createHttpApp reads LOG_REQUESTS when the app is built: turn request logs on for this app only.
  const previous = process.env.LOG_REQUESTS;
  process.env.LOG_REQUESTS = 'true';
  try {
    service = await startService({}, { logger });
  } finally {
    if (previous === undefined) delete process.env.LOG_REQUESTS;
    else process.env.LOG_REQUESTS = previous;
  }
  db = await directClient();
});

after(async () => {
  await cleanUp(db);
  await db.end();
  await service.stop();
});

async function createUser(overrides: Record<string, unknown> = {}) {
  const input = { email: uniqueEmail(), name: 'Ada Lovelace', password: PASSWORD, ...overrides };
  const answer = await call(service, 'POST', '/users', input);
  assert.equal(answer.status, 201, answer.text);
  return { input, answer, user: answer.body as { id: number; email: string; name: string; created_at: string; updated_at: string } };
}

describe('POST /users', () => {
  it('creates a user: 201, the public fields and the role (for the gateway) only, an Argon2id hash in the table', async () => {
    const { input, answer, user } = await createUser();
    assert.deepEqual(Object.keys(user).sort(), ['created_at', 'email', 'id', 'name', 'role', 'updated_at']);
    // Every account starts as a plain user: only ./stackctl admin grant makes an admin.
    assert.equal((user as { role?: string }).role, 'user');
    assert.ok(Number.isInteger(user.id) && user.id > 0);
    assert.equal(user.email, input.email);
    assert.equal(user.name, 'Ada Lovelace');
    assert.equal(new Date(user.created_at).toISOString(), user.created_at);
    assert.equal(new Date(user.updated_at).toISOString(), user.updated_at);
    assert.doesNotMatch(answer.text, /password|argon2|correct horse/i);

    const stored = await db.query<{ hashed_password: string }>('SELECT hashed_password FROM users WHERE id = $1', [user.id]);
    const hashed = stored.rows[0]!.hashed_password;
    assert.match(hashed, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.ok(!answer.text.includes(hashed));
  });

  it('answers x-consistency-token users:ID:POSITION: the WAL position (bytes) taken in the transaction, just before the change', async () => {
    const walBytes = async () => BigInt((await db.query<{ p: string }>(`SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::text AS p`)).rows[0]!.p);
    const before = await walBytes();
    const { answer, user } = await createUser();
    const position = positionOf(answer.headers.get('x-consistency-token'), user.id);
    assert.match(position, POSITION);
    assert.ok(BigInt(position) >= before, 'not before anything written earlier');
    assert.ok(BigInt(position) < (await walBytes()), 'before the change itself');
  });

  it('keeps the email as given and refuses the same email in another case: 409 EMAIL_TAKEN', async () => {
    const email = uniqueEmail('MiXeD');
    const { user } = await createUser({ email });
    assert.equal(user.email, email);
    const duplicate = await call(service, 'POST', '/users', { email: email.toLowerCase(), name: 'Copy', password: PASSWORD });
    assert.equal(duplicate.status, 409);
    assert.equal(duplicate.body.code, 'EMAIL_TAKEN');
    assert.equal(duplicate.body.error, `a user with email ${email.toLowerCase()} already exists; log in or use another email`);
    const upper = await call(service, 'POST', '/users', { email: email.toUpperCase(), name: 'Copy', password: PASSWORD });
    assert.equal(upper.status, 409);
  });

  it('stores SQL metacharacters verbatim and the table survives', async () => {
    const name = "Robert'); DROP TABLE users;--";
    const { user } = await createUser({ name });
    assert.equal(user.name, name);
    const fetched = await call(service, 'GET', `/users/${user.id}`);
    assert.equal(fetched.body.name, name);
    const table = await db.query<{ t: string | null }>("SELECT to_regclass('public.users')::text AS t");
    assert.equal(table.rows[0]!.t, 'users');
  });

  it('stores non-ASCII names as given', async () => {
    const { user } = await createUser({ name: 'Zoë 東京 🚀' });
    assert.equal((await call(service, 'GET', `/users/${user.id}`)).body.name, 'Zoë 東京 🚀');
  });
});

describe('GET /users and /users/:id', () => {
  it('gets one user by id', async () => {
    const { user } = await createUser();
    const answer = await call(service, 'GET', `/users/${user.id}`);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, user);
  });

  it('answers 404 USER_NOT_FOUND for an unknown id', async () => {
    const answer = await call(service, 'GET', '/users/9007199254740991');
    assert.equal(answer.status, 404);
    assert.deepEqual(answer.body, { error: 'no user has id 9007199254740991', code: 'USER_NOT_FOUND' });
  });

  it('lists every user ordered by id', async () => {
    const a = (await createUser()).user;
    const b = (await createUser()).user;
    const answer = await call(service, 'GET', '/users');
    assert.equal(answer.status, 200);
    const ids = (answer.body as Array<{ id: number }>).map((u) => u.id);
    assert.ok(ids.includes(a.id) && ids.includes(b.id));
    assert.deepEqual(ids, [...ids].sort((x, y) => x - y));
    assert.doesNotMatch(answer.text, /password|argon2/i);
  });

  it('lists only the given ids, ordered by id, skipping unknown ones', async () => {
    const a = (await createUser()).user;
    const b = (await createUser()).user;
    const answer = await call(service, 'GET', `/users?ids=${b.id},9007199254740991,${a.id},${b.id}`);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, [a, b]);
  });

  it('accepts 500 ids', async () => {
    const { user } = await createUser();
    const ids = Array.from({ length: 499 }, (_, i) => 9_000_000_000_000 + i).concat(user.id);
    const answer = await call(service, 'GET', `/users?ids=${ids.join(',')}`);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, [user]);
  });
});

describe('PUT /users/:id', () => {
  it('changes name and email, bumps updated_at, answers a later source position', async () => {
    const { user, answer: created } = await createUser();
    const email = uniqueEmail('renamed');
    const answer = await call(service, 'PUT', `/users/${user.id}`, { email, name: 'Ada King' });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.id, user.id);
    assert.equal(answer.body.email, email);
    assert.equal(answer.body.name, 'Ada King');
    assert.equal(answer.body.created_at, user.created_at);
    assert.ok(answer.body.updated_at > user.updated_at);
    const position = positionOf(answer.headers.get('x-consistency-token'), user.id);
    assert.ok(BigInt(position) > BigInt(positionOf(created.headers.get('x-consistency-token'), user.id)));
    assert.deepEqual((await call(service, 'GET', `/users/${user.id}`)).body, answer.body);
  });

  it('keeps the password when it is null, empty or absent, and changes it when given', async () => {
    const { user, input } = await createUser();
    const login = (email: string, password: string) => call(service, 'POST', '/credentials/verify', { email, password });

    for (const password of [null, '', undefined]) {
      const body = password === undefined ? { email: input.email, name: 'Same password' } : { email: input.email, name: 'Same password', password };
      assert.equal((await call(service, 'PUT', `/users/${user.id}`, body)).status, 200);
      assert.equal((await login(input.email, PASSWORD)).status, 200, `password ${JSON.stringify(password)} must keep the old one`);
    }

    const changed = await call(service, 'PUT', `/users/${user.id}`, { email: input.email, name: 'Changed', password: 'a brand new secret' });
    assert.equal(changed.status, 200);
    assert.doesNotMatch(changed.text, /password|argon2|secret/i);
    assert.equal((await login(input.email, PASSWORD)).status, 401);
    const ok = await login(input.email, 'a brand new secret');
    assert.equal(ok.status, 200);
    assert.equal(ok.body.id, user.id);
  });

  it('keeps its own email in another case, refuses another user\'s: 409', async () => {
    const mine = await createUser();
    const theirs = await createUser();
    const sameInUpper = await call(service, 'PUT', `/users/${mine.user.id}`, { email: mine.input.email.toUpperCase(), name: 'Me' });
    assert.equal(sameInUpper.status, 200);
    assert.equal(sameInUpper.body.email, mine.input.email.toUpperCase());
    const taken = await call(service, 'PUT', `/users/${mine.user.id}`, { email: theirs.input.email.toUpperCase(), name: 'Me' });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.code, 'EMAIL_TAKEN');
  });

  it('answers 404 for an unknown id', async () => {
    const answer = await call(service, 'PUT', '/users/9007199254740991', { email: uniqueEmail(), name: 'Nobody' });
    assert.equal(answer.status, 404);
    assert.equal(answer.body.code, 'USER_NOT_FOUND');
  });
});

describe('DELETE /users/:id', () => {
  it('deletes: 204 with a source position, then 404', async () => {
    const { user } = await createUser();
    const answer = await call(service, 'DELETE', `/users/${user.id}`);
    assert.equal(answer.status, 204);
    assert.equal(answer.text, '');
    assert.match(positionOf(answer.headers.get('x-consistency-token'), user.id), POSITION);
    assert.equal((await call(service, 'GET', `/users/${user.id}`)).status, 404);
    const again = await call(service, 'DELETE', `/users/${user.id}`);
    assert.equal(again.status, 404);
    assert.equal(again.body.code, 'USER_NOT_FOUND');
    assert.equal(again.headers.get('x-consistency-token'), null);
  });
});

describe('POST /internal/observations (the history checker\'s read of PostgreSQL)', () => {
  it('each present user at a WAL position at or after its latest token, and before the next write\'s; a deleted one absent', async () => {
    const { user, answer } = await createUser();
    const created = BigInt(positionOf(answer.headers.get('x-consistency-token'), user.id));
    const seen = await call(service, 'POST', '/internal/observations', { source: 'users', ids: [String(user.id), '999999999999'] });
    assert.equal(seen.status, 200, seen.text);
    const position = seen.body.observed[String(user.id)].position as number;
    assert.ok(BigInt(position) >= created, `${position} ≥ ${created}`);
    assert.deepEqual(seen.body.observed['999999999999'], { position: null, deleted: false });
    const renamed = await call(service, 'PUT', `/users/${user.id}`, { email: user.email, name: 'Ada, observed' });
    assert.ok(BigInt(positionOf(renamed.headers.get('x-consistency-token'), user.id)) > BigInt(position), 'the next write takes its token after the position read');
    await call(service, 'DELETE', `/users/${user.id}`);
    const gone = await call(service, 'POST', '/internal/observations', { source: 'users', ids: [String(user.id)] });
    assert.deepEqual(gone.body.observed, { [String(user.id)]: { position: null, deleted: false } });
  });

  it('refuses what is not a user id, and another source', async () => {
    assert.equal((await call(service, 'POST', '/internal/observations', { source: 'users', ids: ['0123'] })).status, 400);
    assert.equal((await call(service, 'POST', '/internal/observations', { source: 'posts', ids: ['65a1f0c2e4b0a1b2c3d4e5f6'] })).status, 400);
  });
});

describe('POST /credentials/verify', () => {
  it('answers the user for the right password, with the email in any case', async () => {
    const { user, input } = await createUser();
    const answer = await call(service, 'POST', '/credentials/verify', { email: input.email.toUpperCase(), password: PASSWORD });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, user);
    assert.equal(answer.headers.get('x-consistency-token'), null);
  });

  it('answers the same 401 for a wrong password and an unknown email', async () => {
    const { input } = await createUser();
    const wrong = await call(service, 'POST', '/credentials/verify', { email: input.email, password: 'not the password' });
    const unknown = await call(service, 'POST', '/credentials/verify', { email: uniqueEmail('nobody'), password: 'not the password' });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.equal(wrong.body.code, 'INVALID_CREDENTIALS');
    assert.deepEqual(wrong.body, unknown.body);
  });

  it('spends an Argon2id verification on an unknown email too (timing does not tell)', async () => {
    const { input } = await createUser();
    const timeOf = async (email: string) => {
      const started = performance.now();
      assert.equal((await call(service, 'POST', '/credentials/verify', { email, password: 'not the password' })).status, 401);
      return performance.now() - started;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 7; i++) {
      known.push(await timeOf(input.email));
      unknown.push(await timeOf(uniqueEmail('nobody')));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // Without the dummy hash an unknown email answers in about a tenth of the time.
    assert.ok(median(unknown) > median(known) * 0.5, `unknown ${median(unknown).toFixed(1)} ms vs known ${median(known).toFixed(1)} ms`);
  });
});

describe('GET /health', () => {
  it('answers 200 ok when PostgreSQL answers', async () => {
    const answer = await call(service, 'GET', '/health');
    assert.equal(answer.status, 200);
    assert.deepEqual({ status: answer.body.status, checks: answer.body.checks }, { status: 'ok', checks: { postgres: 'up' } });
  });

  it('reports what Argon2id has cost: each sign-up counted, and the CPU of the threads that hash', async () => {
    const before = (await call(service, 'GET', '/health')).body.hashing;
    const users = [];
    for (let i = 0; i < 5; i++) users.push((await createUser()).user);
    const after = (await call(service, 'GET', '/health')).body.hashing;
    for (const user of users) assert.equal((await call(service, 'DELETE', `/users/${user.id}`)).status, 204);
    assert.equal(after.hashes - before.hashes, 5);
    assert.equal(after.verifications, before.verifications);
    // Each hash takes 10-17 ms of CPU; /proc counts in 10 ms steps, so five of them show at least 30 ms.
    assert.ok(after.cpuMs - before.cpuMs >= 30 && after.cpuMs - before.cpuMs < 1000, `hashing CPU ${before.cpuMs} → ${after.cpuMs} ms`);
  });
});

describe('logs', () => {
  it('never carry a password or its hash', async () => {
    const secret = 'log-canary-password-123';
    const { user, input } = await createUser({ password: secret });
    await call(service, 'POST', '/credentials/verify', { email: input.email, password: 'log-canary-wrong-456' });
    await call(service, 'PUT', `/users/${user.id}`, { email: input.email, name: 'x', password: 'log-canary-new-789' });
    await call(service, 'POST', '/users', { email: input.email, name: 'dup', password: secret });
    const stored = await db.query<{ hashed_password: string }>('SELECT hashed_password FROM users WHERE id = $1', [user.id]);
    const all = logLines.join('');
    assert.ok(logLines.length > 0, 'expected some log lines at trace level');
    for (const needle of [secret, 'log-canary-wrong-456', 'log-canary-new-789', stored.rows[0]!.hashed_password, '$argon2']) {
      assert.ok(!all.includes(needle), `the log contains ${needle}`);
    }
  });
});
