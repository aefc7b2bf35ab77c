// Boots the real posts service against the real FerretDB, in a database of
// its own, and drops that database afterwards. Only the stack's own database
// (`posts`) is captured from the store's log, so nothing a component test
// writes reaches Kafka or the stack's projections.
import { randomUUID } from 'node:crypto';
import { MongoClient, ObjectId, type Collection } from 'mongodb';
import { internalHeaders } from '@polyglot/platform/internal-secret';
import { start } from '../src/app.ts';
import { PostsConfig } from '../src/config.ts';
import type { OutboxEvent } from '@polyglot/contracts/events';
import type { PostDocument } from '../src/data-access/post-document.ts';
import { onStackFerretDb, openStoreLog } from './store-log.ts';

export interface TestService {
  base: string;
  mongoUrl: string;
  posts: Collection<PostDocument>;
  stored(id: string): Promise<PostDocument | null>;
  /** The events of this post's versions in the store's log, oldest first (see store-log.ts). */
  events(id: string): Promise<OutboxEvent[]>;
  close(): Promise<void>;
}

export function testMongoUrl(): string {
  return `mongodb://127.0.0.1:27017/posts_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

export async function bootPosts(env: Record<string, string> = {}, mongoUrl = testMongoUrl()): Promise<TestService> {
  // Opened before the service, so the log holds every version it writes; none for a store that is not the stack's.
  const log = onStackFerretDb(mongoUrl) ? await openStoreLog(mongoUrl) : undefined;
  const config = PostsConfig.parse({ PORT: '0', MONGO_URL: mongoUrl, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', CONSUMERS: 'off', ...env });
  const service = await start(config);
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 2000 });
  const posts = client.db().collection<PostDocument>('posts');
  return {
    base: `http://127.0.0.1:${service.port}`,
    mongoUrl,
    posts,
    stored: (id) => posts.findOne({ _id: ObjectId.createFromHexString(id) }),
    async events(id) {
      if (!log) throw new Error(`no store log for ${mongoUrl}: it is not the stack's FerretDB`);
      return (await log.events()).filter((e) => e.aggregateId === id);
    },
    async close() {
      await service.stop();
      await log?.close();
      await client.db().dropDatabase().catch(() => undefined);
      await client.close();
    },
  };
}

export interface Answer<T = any> {
  status: number;
  body: T;
  ms: number;
}

/** body: an object is sent as JSON; a string is sent as is (for malformed bodies). */
export async function call<T = any>(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
  const started = Date.now();
  const init: RequestInit = { method, headers: { ...internalHeaders(), ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const response = await fetch(base + path, init);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, ms: Date.now() - started };
}

/** A user id no real user has. */
export function testUserId(): number {
  return 900_000_000 + Math.floor(Math.random() * 99_000_000);
}
