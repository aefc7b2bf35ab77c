// A user deleted in PostgreSQL reaches this service as Debezium's delete on
// users-db.public.users; their posts are deleted, each with POST_DELETED in the store's log.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { consumerGroups, topics } from '@polyglot/contracts/topics';
import { MongoClient } from 'mongodb';
import { pino } from 'pino';
import { createProducer, PermanentError, type InboundMessage, type StringProducer } from '@polyglot/platform/kafka';
import { PostRepository } from '../src/data-access/post.repository.ts';
import { KeyedMutex } from '../src/data-access/write-lock.ts';
import { userCascadeHandler } from '../src/entry-points/user-cascade.consumer.ts';
import { waitFor } from '@polyglot/platform/wait-for';
import { deleteTestGroups, testGroupAtEnd } from '@polyglot/platform/test-fixtures/consumer-group';
import { bootPosts, call, testUserId, type TestService } from './helpers.ts';

let svc: TestService;
let group: string;
let producer: StringProducer;
before(async () => {
  // A group of its own, so a posts service running on the stack cannot take the partition,
  // from the end of the users topic, so it does not read the whole history first.
  group = await testGroupAtEnd(consumerGroups.postsUserCascade, [topics.userChanges]);
  svc = await bootPosts({ CONSUMERS: 'on', USER_CASCADE_GROUP: group });
  producer = createProducer('posts-cascade-test');
  await waitFor('the cascade consumer to run', async () => (await call(svc.base, 'GET', '/health')).body.userCascade?.running === true, { timeoutMs: 30_000 });
});
after(async () => {
  await producer?.close();
  await svc?.close();
  if (group) await deleteTestGroups(group);
});

function debeziumDelete(id: number, lsn: number): string {
  const now = Date.now();
  return JSON.stringify({
    before: { id, email: `gone-${id}@example.test`, name: 'Gone', created_at: now - 60_000, updated_at: now },
    after: null,
    source: { lsn, ts_ms: now, txId: null, connector: 'postgresql', table: 'users' },
    op: 'd',
    ts_ms: now,
  });
}

test('USER_DELETED deletes every post of that author, once, and no one else’s', async () => {
  const author = testUserId();
  const other = testUserId();
  const mine: string[] = [];
  for (let i = 0; i < 3; i++) mine.push((await call(svc.base, 'POST', '/posts', { author_id: author, title: `p${i}`, body: 'b' })).body._id as string);
  const kept = (await call(svc.base, 'POST', '/posts', { author_id: other, title: 'stays', body: 'b' })).body._id as string;

  const message = { topic: topics.userChanges, key: JSON.stringify({ id: author }), value: debeziumDelete(author, 9_000_000_000 + author) };
  await producer.send({ messages: [message] });
  await waitFor('the author’s posts to be gone', async () => (await call(svc.base, 'GET', `/internal/posts?ids=${mine.join(',')}`)).body.length === 0, { timeoutMs: 30_000 });

  for (const id of mine) {
    assert.equal((await call(svc.base, 'GET', `/posts/${id}`)).status, 404);
    assert.equal(await svc.stored(id), null);
    const deleted = (await svc.events(id)).filter((e) => e.type === 'POST_DELETED');
    assert.equal(deleted.length, 1);
    assert.deepEqual(deleted[0]?.data, { _id: id, author_id: author });
    assert.equal(deleted[0]?.actorId, author);
  }
  assert.equal((await call(svc.base, 'GET', `/posts/${kept}`)).status, 200);

  // At-least-once: the same message again changes nothing.
  const before = (await call(svc.base, 'GET', '/health')).body.userCascade.processed as number;
  await producer.send({ messages: [message] });
  await waitFor('the redelivery to be processed', async () => (await call(svc.base, 'GET', '/health')).body.userCascade.processed > before);
  for (const id of mine) assert.equal((await svc.events(id)).filter((e) => e.type === 'POST_DELETED').length, 1);
});

test('the handler dead-letters what does not parse and ignores what is not a delete', async () => {
  const client = new MongoClient(svc.mongoUrl, { serverSelectionTimeoutMS: 2000 });
  const logger = pino({ level: 'silent' });
  const handle = userCascadeHandler(new PostRepository(client.db(), new KeyedMutex()), logger);
  const message = (value: string | null): InboundMessage => ({ topic: topics.userChanges, partition: 0, offset: 0n, key: null, value, timestamp: new Date(), headers: {} });
  try {
    await assert.rejects(handle(message('not json')), PermanentError);
    await assert.rejects(handle(message(JSON.stringify({ op: 'd', before: null, after: null, source: { lsn: 1, ts_ms: 1 } }))), PermanentError);
    const author = testUserId();
    const id = (await call(svc.base, 'POST', '/posts', { author_id: author, title: 't', body: 'b' })).body._id as string;
    const now = Date.now();
    const row = { id: author, email: 'e@example.test', name: 'N', created_at: now, updated_at: now };
    await handle(message(JSON.stringify({ before: row, after: row, source: { lsn: 5, ts_ms: now }, op: 'u' })));
    await handle(message(null)); // the tombstone Kafka keeps after a delete
    assert.equal((await call(svc.base, 'GET', `/posts/${id}`)).status, 200, 'an update leaves the posts alone');
  } finally {
    await client.close();
  }
});
