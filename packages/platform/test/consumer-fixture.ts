// What the consumer tests share: a fresh topic and consumer group on the
// real broker, and options for a SupervisedConsumer on them.
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { createProducer, ensureTopics } from '../src/kafka.ts';
import type { SupervisedConsumerOptions } from '../src/consumer.ts';

export const logger = pino({ level: 'silent' });

/** name prefixes the topic, group and client; defaults apply to every options() call. */
export async function consumerFixture(name: string, defaults: Partial<SupervisedConsumerOptions> = {}) {
  const topic = `${name}-${randomUUID().slice(0, 8)}`;
  await ensureTopics([topic], 1);
  const producer = createProducer(name);
  const groupId = `${name}-${randomUUID().slice(0, 8)}`;
  const options = (handle: SupervisedConsumerOptions['handle'], extra: Partial<SupervisedConsumerOptions> = {}): SupervisedConsumerOptions => ({
    groupId,
    topics: [topic],
    logger,
    handle,
    restartMaxBackoffMs: 200,
    ...defaults,
    ...extra,
  });
  const send = (...values: string[]) => producer.send({ messages: values.map((value) => ({ topic, key: 'k', value })) });
  return { topic, producer, options, send };
}
