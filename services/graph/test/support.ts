// Shared by the graph tests: config for a real app on port 0, unique ids, a
// direct Neo4j driver for assertions and clean-up, and small HTTP helpers.
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadConfig } from '@polyglot/platform/config';
import { internalHeaders } from '@polyglot/platform/internal-secret';
import { pino } from 'pino';
import { GraphConfig } from '../src/config.ts';
import { createNeo4jDriver, int } from '../src/data-access/neo4j.ts';

export const silent = pino({ level: 'silent' });

/**
 * The graph service on port 0, without its projection and without its outbox relay unless asked
 * (GRAPH_RELAY: 'on'): most tests look at the outbox events their writes leave, before anything publishes them.
 */
export function graphConfig(env: Record<string, string> = {}): GraphConfig {
  return loadConfig('graph-test', GraphConfig, { PORT: '0', CONSUMERS: 'off', GRAPH_RELAY: 'off', ...env });
}

/** Test users live at 900000000 and above, far from real ids. */
export function testUserId(): number {
  return 900_000_000 + randomInt(0, 99_999_999);
}

export function testUserIds(count: number): number[] {
  const ids = new Set<number>();
  while (ids.size < count) ids.add(testUserId());
  return [...ids].sort((a, b) => a - b);
}

export function openNeo4j() {
  return createNeo4jDriver(graphConfig());
}

export type Neo4jDriver = ReturnType<typeof openNeo4j>;

/** Removes every node a test made: its users (with their edges), their outbox events, the given posts. */
export async function cleanUp(driver: Neo4jDriver, userIds: readonly number[], postIds: readonly string[] = []): Promise<void> {
  await driver.executeQuery('MATCH (u:User) WHERE u.id IN $ids DETACH DELETE u', { ids: userIds.map(int) });
  await driver.executeQuery('MATCH (t:DeletedUser) WHERE t.id IN $ids DELETE t', { ids: userIds.map(int) });
  await driver.executeQuery('MATCH (o:Outbox) WHERE o.aggregateId IN $ids DETACH DELETE o', { ids: userIds.map(String) });
  if (postIds.length > 0) await driver.executeQuery('MATCH (p:Post) WHERE p.id IN $ids DETACH DELETE p', { ids: [...postIds] });
}

export interface OutboxRow {
  eventId: string;
  seq: number;
  position: number;
  type: string;
  aggregate: string;
  aggregateId: string;
  actorId: number | null;
  occurredAt: string;
  data: Record<string, unknown>;
}

export async function outboxFor(driver: Neo4jDriver, followerIds: readonly number[]): Promise<OutboxRow[]> {
  const result = await driver.executeQuery('MATCH (o:Outbox) WHERE o.aggregateId IN $ids RETURN o {.*} AS o ORDER BY o.seq', { ids: followerIds.map(String) });
  return result.records.map((r) => {
    const o = r.get('o') as Omit<OutboxRow, 'data'> & { data: string };
    return { ...o, data: JSON.parse(o.data) as Record<string, unknown> };
  });
}

export interface HttpResult {
  status: number;
  body: any;
  ms: number;
}

export async function http(port: number, method: string, path: string, body?: unknown, raw?: string): Promise<HttpResult> {
  const started = Date.now();
  const payload = raw ?? (body === undefined ? undefined : JSON.stringify(body));
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { ...internalHeaders(), ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(payload === undefined ? {} : { body: payload }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, ms: Date.now() - started };
}

export interface Fixture {
  topic: string;
  key: unknown;
  value: unknown;
}

export function fixture(name: string): Fixture {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Fixture;
}

/** The message value exactly as Kafka carries it. */
export function rawValue(f: Fixture): string | null {
  return f.value === null ? null : JSON.stringify(f.value);
}

/**
 * Reads a topic from the beginning with a fresh group until `done` says it has
 * seen enough (or the time is up), and returns what matched.
 */
export async function readTopic(topic: string, match: (key: string | null, value: string | null) => boolean, done: (found: Array<{ key: string | null; value: string | null; partition: number; offset: bigint }>) => boolean, ms = 20_000) {
  const { Consumer, stringDeserializers } = await import('@platformatic/kafka');
  const { kafkaBrokers } = await import('@polyglot/platform/kafka');
  const consumer = new Consumer({ clientId: 'graph-test-reader', groupId: `graph-test-${randomInt(0, 2 ** 40)}`, bootstrapBrokers: kafkaBrokers(), deserializers: stringDeserializers });
  const found: Array<{ key: string | null; value: string | null; partition: number; offset: bigint }> = [];
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, maxWaitTime: 100 });
    const timer = setTimeout(() => void stream.close(), ms);
    try {
      for await (const message of stream) {
        const key = message.key === undefined || message.key === null ? null : String(message.key);
        const value = message.value === undefined || message.value === null ? null : String(message.value);
        if (match(key, value)) found.push({ key, value, partition: message.partition, offset: message.offset });
        if (done(found)) break;
      }
    } finally {
      clearTimeout(timer);
      await stream.close().catch(() => undefined);
    }
  } finally {
    await consumer.close(true).catch(() => undefined);
  }
  return found;
}
