// Helpers for the tests that take engines down on purpose ("nothing is lost"):
// unit actions through the gateway's /faults, a steady write load that records
// what it wrote, the TimescaleDB rows of a run's own entities checked against
// what was written (exactly one per change), and putting the whole system back
// (every unit started again, GET /health 200) whatever happened in a test.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Driver } from 'neo4j-driver';
import type pg from 'pg';
import { userKey } from '@polyglot/contracts/cache-keys';
import type { ReconcileReport } from '@polyglot/contracts/reconcile';
import { runCli } from '@polyglot/stack/test-fixtures/run-cli';
import { internalHeaders } from '@polyglot/platform/internal-secret';
import { waitFor } from '@polyglot/platform/wait-for';
import { api, gateway, openStores, runId, type ApiResponse, type Stores } from './support.ts';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Within this, a request that should fail fast has failed fast (the services' own limits are about 2 s). */
export const QUICK_MS = 3000;

/** A call through the gateway that may legitimately take long (a unit action, the reconciler). */
export async function slowCall<T = any>(method: 'GET' | 'POST', path: string, timeoutMs = 200_000): Promise<ApiResponse<T>> {
  const response = await fetch(`${gateway}${path}`, { method, headers: internalHeaders(), signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
}

/** A request and how long it took; a request that does not answer within limitMs is a failure, not a wait. */
export async function timed<T = any>(method: string, path: string, body?: unknown, limitMs = 15_000): Promise<ApiResponse<T> & { ms: number }> {
  const started = performance.now();
  const response = await fetch(`${gateway}${path}`, {
    method,
    // The load of these tests is the project's own (the internal secret): the rate limit does not apply to it.
    headers: { ...internalHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(limitMs),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers, ms: Math.round(performance.now() - started) };
}

/** Stops, starts or SIGKILLs a unit through POST /faults/units/:unit/:action (the stack CLI behind it); returns how long it took. */
export async function unitAction(unit: string, action: 'stop' | 'start' | 'kill'): Promise<number> {
  const started = Date.now();
  const response = await slowCall('POST', `/faults/units/${unit}/${action}`);
  assert.equal(response.status, 200, `${action} ${unit}: ${response.status} ${JSON.stringify(response.body)}`);
  assert.equal(response.body.unit, unit);
  return Date.now() - started;
}

async function unitStates(): Promise<Map<string, string>> {
  const status = await runCli(['status', '--json']);
  const parsed = JSON.parse(status.stdout) as { engines: Array<{ engine: string; state: string }> };
  return new Map(parsed.engines.map((e) => [e.engine, e.state]));
}

/**
 * Puts the system back: starts, through the stack CLI directly (the gateway may be
 * what is broken), every unit named that is not healthy, then waits for GET /health 200.
 * For after() hooks: runs whatever the test did or failed to do.
 */
/**
 * The stores a scenario file checks, opened at once; its before() waits for a healthy system,
 * its after() starts again whatever of `units` is still down and closes the clients.
 */
export function outageScenario(units: readonly string[]): Stores {
  const stores = openStores();
  // A scenario may take Redis away on purpose: this client reconnects by itself, its errors are expected.
  stores.redis.on('error', () => undefined);
  before(() => systemHealthy());
  after(async () => {
    await restoreStack(units);
    await stores.close();
  });
  return stores;
}

export async function restoreStack(units: readonly string[], healthTimeoutMs = 180_000): Promise<void> {
  const states = await unitStates();
  const notHealthy = units.filter((u) => states.get(u) !== 'healthy');
  for (const unit of notHealthy) {
    const started = await runCli(['start', unit]);
    if (started.code !== 0) process.stderr.write(`  restoring ${unit} failed (exit ${started.code}): ${started.stderr.slice(-500)}\n`);
  }
  await systemHealthy(healthTimeoutMs);
}

/** GET /health answers 200: every service, Redis, the connector and its task are up. */
export async function systemHealthy(timeoutMs = 120_000): Promise<number> {
  const started = Date.now();
  let last: unknown;
  await waitFor('GET /health 200', async () => {
      const health = await api('GET', '/health').catch((error: unknown) => ({ status: 0, body: String(error) }) as ApiResponse);
      last = health.body;
      return health.status === 200;
    }, { timeoutMs: timeoutMs }).catch((error: Error) => {
    throw new Error(`${error.message}; last /health: ${JSON.stringify(last).slice(0, 2000)}`);
  });
  return Date.now() - started;
}

/** Every Debezium connector (users-cdc, posts-cdc) and its tasks are RUNNING (as /health reports them). */
export async function connectorRunning(timeoutMs = 120_000): Promise<void> {
  await waitFor('the users-cdc and posts-cdc connectors and their tasks RUNNING', async () => {
      const connectors: Record<string, { state: string; tasks: Array<{ state: string }> } | undefined> = (await api('GET', '/health')).body?.pipeline?.connectors ?? {};
      const running = (c: { state: string; tasks: Array<{ state: string }> } | undefined) => c?.state === 'RUNNING' && c.tasks.length > 0 && c.tasks.every((t) => t.state === 'RUNNING');
      return running(connectors['users-cdc']) && running(connectors['posts-cdc']) ? connectors : false;
    }, { timeoutMs: timeoutMs });
}

const driftKey = (d: ReconcileReport['drift'][number]) => `${d.kind} ${d.store} ${d.entity} ${d.id}`;

/**
 * The drift already there before a scenario: what earlier tests left on purpose (component tests
 * write straight into the stores, the reconciler test breaks each store). Only what a scenario
 * adds to it counts against the scenario.
 */
export async function driftBaseline(): Promise<Set<string>> {
  const response = await slowCall<ReconcileReport>('GET', '/reconcile');
  assert.equal(response.status, 200, `GET /reconcile before the scenario: ${JSON.stringify(response.body)}`);
  return new Set(response.body.drift.map(driftKey));
}

/**
 * GET /reconcile until it reports no drift beyond the baseline (other writers may be mid-flight
 * on a shared stack), or fails showing the new drift. Answers the new drift (empty).
 */
export async function reconcileClean(baseline: ReadonlySet<string>, timeoutMs = 120_000): Promise<ReconcileReport['drift']> {
  let last: ApiResponse<ReconcileReport> | undefined;
  let added: ReconcileReport['drift'] | null = null;
  const clean = await waitFor(
    'no drift beyond the baseline',
    async () => {
      // A 503 (a service the reconciler asks is still starting) is retried like drift, until the deadline.
      last = await slowCall<ReconcileReport>('GET', '/reconcile').catch((error: unknown) => ({ status: 0, body: String(error) }) as unknown as ApiResponse<ReconcileReport>);
      added = last.status === 200 ? last.body.drift.filter((d) => !baseline.has(driftKey(d))) : null;
      return added !== null && added.length === 0 && added;
    },
    { timeoutMs, intervalMs: 2000 },
  ).catch(() => undefined);
  if (clean) return clean;
  assert.equal(last?.status, 200, `GET /reconcile: ${JSON.stringify(last?.body)}`);
  return assert.fail(`the reconciler reports ${added!.length} drift that was not there before: ${JSON.stringify(added!.slice(0, 20), null, 1)}`);
}

// ---- what a run wrote, and the rows TimescaleDB must hold for it ----

export interface Written {
  users: Map<number, { id: number; email: string; updates: number }>;
  posts: Map<string, number>;
  follows: Map<string, { followerId: number; followeeId: number }>;
}

export function emptyWritten(): Written {
  return { users: new Map(), posts: new Map(), follows: new Map() };
}

export async function createUserInto(written: Written, label: string, query = ''): Promise<ApiResponse & { ms: number }> {
  const email = `${label}-${runId}-${randomUUID().slice(0, 8)}@e2e.test`;
  const response = await timed('POST', `/users${query}`, { email, name: `${label} ${runId}`, password: 'correct horse battery' });
  if (response.status === 201) written.users.set(response.body.id, { id: response.body.id, email, updates: 0 });
  return response;
}

export async function renameInto(written: Written, id: number, name: string, query = ''): Promise<ApiResponse & { ms: number }> {
  const user = written.users.get(id)!;
  const response = await timed('PUT', `/users/${id}${query}`, { email: user.email, name });
  // A strong write that timed out (504) is committed all the same: it counts as a change.
  if (response.status === 200 || response.body?.code === 'CONSISTENCY_TIMEOUT') user.updates++;
  return response;
}

export async function postInto(written: Written, authorId: number, title: string, query = ''): Promise<ApiResponse & { ms: number }> {
  const response = await timed('POST', `/posts${query}`, { author_id: authorId, title, body: `written by run ${runId}`, tags: ['nothing-lost'], meta: {} });
  if (response.status === 201) written.posts.set(response.body._id, authorId);
  else if (response.body?.code === 'CONSISTENCY_TIMEOUT') written.posts.set(response.body.token.split(':')[1], authorId);
  return response;
}

export async function followInto(written: Written, followerId: number, followeeId: number): Promise<ApiResponse & { ms: number }> {
  const response = await timed('POST', '/follow', { followerId, followeeId });
  if (response.status === 201) written.follows.set(`${followerId}->${followeeId}`, { followerId, followeeId });
  return response;
}

/**
 * A steady write load: `workers` loops, each a write every `intervalMs`, cycling
 * through creating a user, renaming one, posting and following, on users of its
 * own. Every answer is kept: a write that fails is recorded, not retried, so a
 * test can say whether writes kept succeeding while something was down.
 */
export class WriteLoad {
  readonly written: Written = emptyWritten();
  readonly failures: Array<{ op: string; status: number; body: unknown; at: number }> = [];
  readonly latencies: number[] = [];
  private stopping = false;
  private workers: Promise<void>[] = [];
  private readonly label: string;
  private readonly intervalMs: number;
  private readonly count: number;

  constructor(label: string, options: { workers?: number; intervalMs?: number } = {}) {
    this.label = label;
    this.count = options.workers ?? 2;
    this.intervalMs = options.intervalMs ?? 200;
  }

  get writes(): number {
    return this.latencies.length + this.failures.length;
  }

  start(): void {
    for (let w = 0; w < this.count; w++) this.workers.push(this.work(w));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.workers);
  }

  private async work(worker: number): Promise<void> {
    const mine: number[] = [];
    const followed = new Set<string>();
    for (let i = 0; !this.stopping; i++) {
      const tick = Date.now();
      const step = mine.length < 2 ? 0 : i % 4;
      const op = ['user', 'rename', 'post', 'follow'][step]!;
      try {
        let response: ApiResponse & { ms: number };
        if (step === 0) {
          response = await createUserInto(this.written, `${this.label}-w${worker}`);
          if (response.status === 201) mine.push(response.body.id);
        } else if (step === 1) {
          const id = mine[i % mine.length]!;
          response = await renameInto(this.written, id, `${this.label} ${runId} w${worker} #${i}`);
        } else if (step === 2) {
          response = await postInto(this.written, mine[i % mine.length]!, `${this.label} ${runId} w${worker} #${i}`);
        } else {
          // The newest user follows the first one it does not follow yet.
          const follower = mine.at(-1)!;
          const followee = mine.find((id) => id !== follower && !followed.has(`${follower}->${id}`));
          if (followee === undefined) continue;
          followed.add(`${follower}->${followee}`);
          response = await followInto(this.written, follower, followee);
        }
        const ok = response.status >= 200 && response.status < 300;
        if (ok) this.latencies.push(response.ms);
        else this.failures.push({ op, status: response.status, body: response.body, at: Date.now() });
      } catch (error) {
        this.failures.push({ op, status: 0, body: String(error), at: Date.now() });
      }
      await sleep(Math.max(0, this.intervalMs - (Date.now() - tick)));
    }
  }
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface EventGroup {
  event_type: string;
  entity_id: string;
  followee: string | null;
  n: string;
  ids: string;
  reconciled: boolean;
}

/**
 * TimescaleDB against what was written: exactly one row per change (USER_CREATED per
 * user, USER_UPDATED per rename, POST_CREATED per post, FOLLOW_CREATED per pair), no
 * other USER_/POST_/FOLLOW_ row for these entities, no event_id twice, none appended
 * by a reconciler repair (which would hide a loss). Answers the problems found.
 */
export async function eventProblems(pool: pg.Pool, written: Written): Promise<string[]> {
  const expected = new Map<string, number>();
  for (const u of written.users.values()) {
    expected.set(`USER_CREATED|${u.id}|`, 1);
    if (u.updates > 0) expected.set(`USER_UPDATED|${u.id}|`, u.updates);
  }
  for (const id of written.posts.keys()) expected.set(`POST_CREATED|${id}|`, 1);
  for (const f of written.follows.values()) expected.set(`FOLLOW_CREATED|${f.followerId}|${f.followeeId}`, 1);
  const entities = [...[...written.users.keys()].map(String), ...written.posts.keys()];
  const { rows } = await pool.query<EventGroup>(
    `SELECT event_type, entity_id,
            CASE WHEN event_type LIKE 'FOLLOW_%' THEN properties->>'followeeId' END AS followee,
            count(*) AS n, count(DISTINCT event_id) AS ids,
            bool_or(properties ? 'reconciled') AS reconciled
       FROM events
      WHERE entity_id = ANY($1) AND (event_type LIKE 'USER_%' OR event_type LIKE 'POST_%' OR event_type LIKE 'FOLLOW_%')
      GROUP BY 1, 2, 3`,
    [entities],
  );
  const actual = new Map(rows.map((r) => [`${r.event_type}|${r.entity_id}|${r.followee ?? ''}`, r]));
  const problems: string[] = [];
  for (const [key, n] of expected) {
    const row = actual.get(key);
    if (!row) problems.push(`${key}: missing (expected ${n})`);
    else if (Number(row.n) !== n) problems.push(`${key}: ${row.n} rows, expected ${n}`);
  }
  for (const [key, row] of actual) {
    if (!expected.has(key)) problems.push(`${key}: ${row.n} unexpected rows`);
    if (Number(row.ids) !== Number(row.n)) problems.push(`${key}: an event_id recorded twice (${row.n} rows, ${row.ids} ids)`);
    if (row.reconciled) problems.push(`${key}: appended by a reconciler repair, not by the pipeline`);
  }
  return problems;
}

/** The number of rows eventProblems expects, for the report. */
export function expectedRows(written: Written): number {
  let n = written.posts.size + written.follows.size;
  for (const u of written.users.values()) n += 1 + u.updates;
  return n;
}

/** Each written user's current name, at the source of truth (the users service, PostgreSQL). */
export async function sourceNames(written: Written): Promise<Map<number, string>> {
  const ids = [...written.users.keys()];
  const names = new Map<number, string>();
  for (let i = 0; i < ids.length; i += 8) {
    await Promise.all(
      ids.slice(i, i + 8).map(async (id) => {
        const response = await api('GET', `/users/${id}?consistency=strong`);
        assert.equal(response.status, 200, `GET /users/${id}: ${JSON.stringify(response.body)}`);
        names.set(id, response.body.name);
      }),
    );
  }
  return names;
}

/** Neo4j against what was written: each user's node with its source name, each post's POSTED edge from its author, each follow. */
export async function graphProblems(driver: Driver, written: Written, names: Map<number, string>): Promise<string[]> {
  const session = driver.session();
  try {
    const users = await session.run('MATCH (u:User) WHERE u.id IN $ids RETURN u.id AS id, u.name AS name', { ids: [...names.keys()] });
    const posted = await session.run('MATCH (u:User)-[:POSTED]->(p:Post) WHERE p.id IN $ids RETURN p.id AS post, u.id AS author', { ids: [...written.posts.keys()] });
    const follows = await session.run('MATCH (a:User)-[:FOLLOWS]->(b:User) WHERE a.id IN $ids RETURN a.id AS a, b.id AS b', { ids: [...names.keys()] });
    const problems: string[] = [];
    const graphNames = new Map(users.records.map((r) => [Number(r.get('id')), r.get('name') as string]));
    for (const [id, name] of names) if (graphNames.get(id) !== name) problems.push(`:User ${id} is ${JSON.stringify(graphNames.get(id) ?? null)}, not ${JSON.stringify(name)}`);
    const authors = new Map(posted.records.map((r) => [r.get('post') as string, Number(r.get('author'))]));
    for (const [post, author] of written.posts) if (authors.get(post) !== author) problems.push(`post ${post}: no POSTED edge from ${author}`);
    const edges = new Set(follows.records.map((r) => `${Number(r.get('a'))}->${Number(r.get('b'))}`));
    for (const pair of written.follows.keys()) if (!edges.has(pair)) problems.push(`FOLLOWS ${pair} missing`);
    return problems;
  } finally {
    await session.close();
  }
}

/** Redis against the source: every written user's cached profile present, with its source name. */
export async function cacheProblems(redis: Redis, names: Map<number, string>): Promise<string[]> {
  const ids = [...names.keys()];
  if (ids.length === 0) return [];
  const values = await redis.mget(ids.map((id) => userKey(id)));
  const problems: string[] = [];
  ids.forEach((id, i) => {
    const raw = values[i];
    const name = raw == null ? null : (JSON.parse(raw) as { name?: string }).name;
    if (name !== names.get(id)) problems.push(`${userKey(id)} is ${JSON.stringify(name ?? null)}, not ${JSON.stringify(names.get(id))}`);
  });
  return problems;
}
