// Boots the real posts service against the real FerretDB, in a database of
// its own (so another relay running on the stack cannot drain the outboxes a
// test inspects), and drops that database afterwards.
import { randomUUID } from 'node:crypto';
import { MongoClient, ObjectId, type Collection } from 'mongodb';
import { internalHeaders } from '@polyglot/platform/internal-secret';
import { createProducer } from '@polyglot/platform/kafka';
import { waitFor } from '@polyglot/platform/wait-for';
import type { Logger } from 'pino';
import { start } from '../src/app.ts';
import { PostsConfigSchema, RelayConfigSchema } from '../src/config.ts';
import type { PostDocument } from '../src/data-access/post-document.ts';
import { start as startRelay } from '../src/relay.ts';
import { retireTestUsers } from '../../../packages/contracts/test-fixtures/message-builders.ts';

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

/** The test authors (ids from 900000000 up) of the posts created through call(), per service. */
const testAuthors = new Map<string, Set<number>>();

/**
 * Ends what a test's relay published to posts.events in a deleted state there:
 * the running stack's projections apply that topic too (now, when they start
 * again, or on a replay), so a post left live on it would be a :Post node and
 * an analytics row with no post behind them, and its author a :User node with
 * no such user. Deletes every live post of the test database through the API,
 * runs a relay until every outbox is out, then sends the deletion of each test
 * author on the users topic, as Debezium would.
 */
export async function retractPublished(svc: TestService): Promise<void> {
  const authors = testAuthors.get(svc.base) ?? new Set<number>();
  for (const post of await svc.posts.find({}, { projection: { author_id: 1 } }).toArray()) if (post.author_id >= 900_000_000) authors.add(post.author_id);
  const live = await svc.posts.find({ deleted: { $ne: true } }, { projection: { _id: 1 } }).toArray();
  for (const post of live) {
    const answer = await call(svc.base, 'DELETE', `/posts/${post._id.toHexString()}`);
    if (answer.status !== 204) throw new Error(`DELETE /posts/${post._id.toHexString()}: ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  const relay = await bootRelay(svc.mongoUrl);
  try {
    await waitFor('every outbox of the test database published', async () => (await svc.posts.countDocuments({ 'outbox.0': { $exists: true } })) === 0, { timeoutMs: 20_000 });
  } finally {
    await relay.stop();
  }
  if (authors.size === 0) return;
  const producer = createProducer('posts-test-authors');
  try {
    await retireTestUsers(producer, authors);
  } finally {
    await producer.close();
  }
  testAuthors.delete(svc.base);
}

export interface Answer<T = any> {
  status: number;
  body: T;
  ms: number;
}

/** body: an object is sent as JSON; a string is sent as is (for malformed bodies). */
export async function call<T = any>(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
  const started = Date.now();
  const author = method === 'POST' && path === '/posts' && typeof body === 'object' && body !== null ? (body as { author_id?: unknown }).author_id : undefined;
  if (typeof author === 'number' && author >= 900_000_000) testAuthors.set(base, (testAuthors.get(base) ?? new Set()).add(author));
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
