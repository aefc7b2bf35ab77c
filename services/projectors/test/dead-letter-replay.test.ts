// Replaying a dead letter against the real broker, through the projectors
// process's API: the letter is listed with its id; a replay goes back to the
// group that failed it, once however often it is asked for while under way;
// that group applies it once, and the letter leaves the list.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { consumerGroups, PIPELINE_TOPICS } from '@polyglot/contracts/topics';
import { internalHeaders } from '@polyglot/platform/internal-secret';
import { SupervisedConsumer } from '@polyglot/platform/consumer';
import { createProducer, ensureTopics, PermanentError, type InboundMessage, type StringProducer } from '@polyglot/platform/kafka';
import { waitFor } from '@polyglot/platform/wait-for';
import { deleteTestGroups, testGroupAtEnd, testGroupName } from '@polyglot/platform/test-fixtures/consumer-group';
import { start, type Running } from '../src/app.ts';
import { loadProjectorsConfig } from '../src/config.ts';
import type { DeadLetterEntry } from '../src/domain/dead-letter-index.ts';

const logger = pino({ level: 'silent' });
let app: Running;
let base: string;
let producer: StringProducer;
let cacheGroup: string;
const indexGroup = testGroupName(consumerGroups.deadLetterIndex);

async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...internalHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

const listed = async (topic: string): Promise<DeadLetterEntry[]> => ((await call('GET', '/dead-letters?limit=1000')).body as DeadLetterEntry[]).filter((l) => l.topic === topic);

before(async () => {
  cacheGroup = await testGroupAtEnd(consumerGroups.cacheProjector, PIPELINE_TOPICS);
  app = await start(loadProjectorsConfig({ PORT: '0', LOG_LEVEL: 'silent', CACHE_PROJECTION_GROUP: cacheGroup, DEAD_LETTER_INDEX_GROUP: indexGroup }), { logger });
  base = `http://127.0.0.1:${app.port}`;
  producer = createProducer('projectors-replay-test');
});

after(async () => {
  await app?.stop();
  await producer?.close();
  await deleteTestGroups(cacheGroup, indexGroup).catch(() => undefined);
});

test('a dead letter is replayed for its group, applied once however often it is asked for, and leaves the list', async () => {
  const topic = `projectors-replay-${randomUUID().slice(0, 8)}`;
  await ensureTopics([topic], 1);
  const group = testGroupName('projectors-replay');
  let fixed = false;
  const applied: string[] = [];
  const loop = () =>
    new SupervisedConsumer({
      groupId: group,
      topics: [topic],
      logger,
      handle: async (message: InboundMessage) => {
        if (!fixed) throw new PermanentError('the projection cannot read this yet');
        applied.push(message.value ?? '');
      },
    });
  let consumer = loop();
  try {
    await consumer.start();
    await producer.send({ messages: [{ topic, key: 'k7', value: 'a change', headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } }] });
    const [letter] = await waitFor('the dead letter in GET /dead-letters', async () => {
      const found = await listed(topic);
      return found.length === 1 ? found : undefined;
    }, { timeoutMs: 30_000 });
    assert.ok(letter);
    assert.match(letter.id, /^\d+:\d+$/);
    assert.equal(letter.group, group);
    assert.equal(letter.replayedAt, null);
    assert.deepEqual(letter.headers, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });

    // The group is away while it is replayed twice: the second ask publishes nothing.
    await consumer.stop();
    fixed = true;
    const first = await call('POST', '/dead-letters/replay', { id: letter.id });
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, { replayed: [letter.id], pending: [], refused: [] });
    const second = await call('POST', '/dead-letters/replay', { id: letter.id });
    assert.deepEqual(second.body, { replayed: [], pending: [letter.id], refused: [] });
    const pending = (await listed(topic))[0];
    assert.ok(pending?.replayedAt, 'listed as replayed while its group has not applied it');

    consumer = loop();
    await consumer.start();
    await waitFor('the letter to leave the list once applied', async () => (await listed(topic)).length === 0, { timeoutMs: 30_000 });
    assert.deepEqual(applied, ['a change'], 'applied once');
    await waitFor('the group past the replay', async () => (await consumer.status()).lag === 0, { timeoutMs: 10_000 });
    assert.deepEqual(applied, ['a change']);

    const gone = await call('POST', '/dead-letters/replay', { id: letter.id });
    assert.equal(gone.status, 404);
    assert.equal(gone.body.code, 'DEAD_LETTER_NOT_FOUND');
  } finally {
    await consumer.stop();
    await deleteTestGroups(group).catch(() => undefined);
  }
});

test('a replay request names one letter or all of them', async () => {
  for (const body of [{}, { id: 'nope' }, { all: false }, { id: '1:2', all: true }]) {
    const answer = await call('POST', '/dead-letters/replay', body);
    assert.equal(answer.status, 400, JSON.stringify(body));
    assert.equal(answer.body.code, 'VALIDATION_FAILED');
  }
});
