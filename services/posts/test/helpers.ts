// Boots the real posts service against the real FerretDB, in a database of
// its own (so another relay running on the stack cannot drain the outboxes a
// test inspects), and drops that database afterwards.
import { randomUUID } from 'node:crypto';
import { MongoClient, ObjectId, type Collection } from 'mongodb';
import type { Logger } from 'pino';
import { start } from '../src/app.ts';
import { PostsConfigSchema, RelayConfigSchema } from '../src/config.ts';
import type { PostDocument } from '../src/data-access/post-document.ts';
import { start as startRelay } from '../src/relay.ts';

export interface TestService {
  base: string;
  mongoUrl: string;
  posts: Collection<PostDocument>;
  stored(id: string): Promise<PostDocument | null>;
  close(): Promise<void>;
}

export function testMongoUrl(): string {
  return `mongodb://127.0.0.1:27017/posts_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

export async function bootPosts(env: Record<string, string> = {}, mongoUrl = testMongoUrl()): Promise<TestService> {
  // No nudges by default: the relay a test boots polls quickly instead (relay-wake.test.ts covers the nudges).
  const config = PostsConfigSchema.parse({ PORT: '0', MONGO_URL: mongoUrl, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', USER_CASCADE: 'off', POSTS_RELAY_URL: '', ...env });
  const service = await start(config);
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 2000 });
  const posts = client.db().collection<PostDocument>('posts');
  return {
    base: `http://127.0.0.1:${service.port}`,
    mongoUrl,
    posts,
    stored: (id) => posts.findOne({ _id: ObjectId.createFromHexString(id) }),
    async close() {
      await service.stop();
      await client.db().dropDatabase().catch(() => undefined);
      await client.close();
    },
  };
}

export async function bootRelay(mongoUrl: string, env: Record<string, string> = {}, logger?: Logger): Promise<{ base: string; stop(): Promise<void> }> {
  const config = RelayConfigSchema.parse({ PORT: '0', MONGO_URL: mongoUrl, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', RELAY_POLL_MS: '200', ...env });
  const relay = await startRelay(config, logger ? { logger } : {});
  return { base: `http://127.0.0.1:${relay.port}`, stop: () => relay.stop() };
}

export interface Answer<T = any> {
  status: number;
  body: T;
  ms: number;
}

/** body: an object is sent as JSON; a string is sent as is (for malformed bodies). */
export async function call<T = any>(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
  const started = Date.now();
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const response = await fetch(base + path, init);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, ms: Date.now() - started };
}

export async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A user id no real user has. */
export function testUserId(): number {
  return 900_000_000 + Math.floor(Math.random() * 99_000_000);
}
