// End-to-end helpers: the running system's gateway, and direct read-only
// clients of the stores, to check what the pipeline projected where.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import neo4jDriver, { type Driver } from 'neo4j-driver';
import pg from 'pg';
import { endpoints, urls } from '@polyglot/contracts/endpoints';
import { servicePorts } from '@polyglot/contracts/services';
import type { Drift, ReconcileReport } from '@polyglot/contracts/reconcile';
import { internalHeaders } from '@polyglot/platform/internal-secret';
import { waitFor } from '@polyglot/platform/wait-for';

export const gateway = `http://127.0.0.1:${servicePorts.gateway}`;
export const runId = randomUUID().slice(0, 8);

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * A call through the gateway. It carries the stack's internal secret, as every process of the project does:
 * the gateway's rate limit (rate-limit.ts) gives the tests a limit of their own, none by default, so a test
 * run is never throttled by the limit meant for browsers and people.
 */
export async function api<T = any>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
  const response = await fetch(`${gateway}${path}`, {
    method,
    headers: { ...internalHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
}

/**
 * A call as a browser or a person makes it: no internal secret, a session token when given. For a
 * gateway of a test's own (base) or the running one, where the test is about sessions or limits.
 */
export async function callAs<T = any>(base: string, method: string, path: string, body?: unknown, token?: string): Promise<ApiResponse<T>> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
}

export interface Stores {
  neo4j: Driver;
  redis: Redis;
  timescale: pg.Pool;
  close(): Promise<void>;
}

export function openStores(): Stores {
  const neo4j = neo4jDriver.driver(urls.neo4jBolt, neo4jDriver.auth.basic(endpoints.neo4j.user, endpoints.neo4j.password), { disableLosslessIntegers: true });
  const redis = new Redis(urls.redis, { maxRetriesPerRequest: 1 });
  const timescale = new pg.Pool({ connectionString: urls.timescaledb, max: 3 });
  return {
    neo4j,
    redis,
    timescale,
    async close() {
      await neo4j.close();
      redis.disconnect();
      await timescale.end();
    },
  };
}

export async function cypher<T = Record<string, unknown>>(driver: Driver, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const session = driver.session();
  try {
    const result = await session.run(query, params);
    return result.records.map((r) => r.toObject() as T);
  } finally {
    await session.close();
  }
}

export async function eventCount(pool: pg.Pool, type: string, entityId: string | number): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM events WHERE event_type = $1 AND entity_id = $2', [type, String(entityId)]);
  return Number(rows[0]?.n ?? 0);
}

export async function createUser(label: string): Promise<{ id: number; name: string; email: string }> {
  const email = `${label}-${runId}-${randomUUID().slice(0, 6)}@e2e.test`;
  const response = await api('POST', '/users', { email, name: `${label} ${runId}`, password: 'correct horse battery' });
  if (response.status !== 201) throw new Error(`creating ${label}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Waits until every projection has consumed everything in the log. */
export async function pipelineDrained(timeoutMs = 60_000): Promise<void> {
  await waitFor('every projection caught up (lag 0) and the graph outbox empty', async () => {
      const health = await api('GET', '/health');
      const p = health.body?.pipeline;
      if (!p) return false;
      const lags = Object.values(p.projections ?? {}).map((x: any) => x?.lag);
      const backlogs = Object.values(p.relays ?? {}).map((x: any) => (typeof x === 'number' ? x : x?.backlog));
      return lags.length > 0 && lags.every((l) => l === 0) && backlogs.every((b) => b === 0);
    }, { timeoutMs: timeoutMs });
}

/** The drift GET /reconcile reports once the pipeline has carried everything (it compares twice itself). */
export async function settledDrift(): Promise<ReconcileReport> {
  await pipelineDrained(120_000);
  // Slower than api()'s 15 s limit: the reconciler lists every store and waits for the pipeline between its two looks.
  const response = await fetch(`${gateway}/reconcile`, { signal: AbortSignal.timeout(180_000) });
  const body = (await response.json()) as ReconcileReport;
  if (response.status !== 200) throw new Error(`GET /reconcile: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/** One line per drift, for a failure message. */
export const describeDrift = (drift: readonly Drift[]): string => drift.map((d) => `  ${d.kind} ${d.store} ${d.entity} ${d.id}: expected ${d.expected ?? 'nothing'}, found ${d.actual ?? 'nothing'}`).join('\n');
