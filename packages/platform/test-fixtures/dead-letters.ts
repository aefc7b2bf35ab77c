// Dead letters for tests: watch what arrives on the dead-letter topic (and the
// replays topic) from now on, each letter with the id the index lists it
// under, and withdraw the letters a test made on purpose, so that they leave
// the running system's list and no one replays a test's message later.
import { Consumer, stringDeserializers, type MessagesStream } from '@platformatic/kafka';
import { topics } from '@polyglot/contracts/topics';
import { createProducer, kafkaBrokers, type DeadLetter, type DeadLetterReplayRecord } from '../src/kafka.ts';
import { deleteTestGroups, testGroupAtEnd } from './consumer-group.ts';

export interface WatchedLetter {
  /** "PARTITION:OFFSET" in pipeline.dead-letters: the id GET /pipeline/dead-letters and a replay use. */
  id: string;
  letter: DeadLetter;
}

export interface DeadLetterWatch {
  letters: WatchedLetter[];
  replays: DeadLetterReplayRecord[];
  /** Withdraws these letters (a 'discarded' record each): the index drops them. */
  discard(ids: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export async function watchDeadLetters(): Promise<DeadLetterWatch> {
  const group = await testGroupAtEnd('dead-letter-watch', [topics.deadLetters, topics.deadLetterReplays]);
  const consumer = new Consumer({ clientId: group, groupId: group, bootstrapBrokers: kafkaBrokers(), deserializers: stringDeserializers });
  const stream: MessagesStream<string, string, string, string> = await consumer.consume({
    topics: [topics.deadLetters, topics.deadLetterReplays],
    mode: 'committed',
    autocommit: false,
    maxWaitTime: 100,
  });
  const letters: WatchedLetter[] = [];
  const replays: DeadLetterReplayRecord[] = [];
  const reading = (async () => {
    for await (const message of stream) {
      const value = JSON.parse(String(message.value)) as unknown;
      if (message.topic === topics.deadLetters) letters.push({ id: `${message.partition}:${message.offset}`, letter: value as DeadLetter });
      else replays.push(value as DeadLetterReplayRecord);
    }
  })().catch(() => undefined);
  return {
    letters,
    replays,
    async discard(ids) {
      if (ids.length === 0) return;
      const producer = createProducer('dead-letter-watch');
      try {
        const at = new Date().toISOString();
        await producer.send({
          messages: ids.map((id) => ({ topic: topics.deadLetterReplays, key: id, value: JSON.stringify({ id, state: 'discarded', group: 'test', at } satisfies DeadLetterReplayRecord) })),
        });
      } finally {
        await producer.close();
      }
    },
    async close() {
      await stream.close().catch(() => undefined);
      await reading;
      await consumer.close(true).catch(() => undefined);
      await deleteTestGroups(group).catch(() => undefined);
    },
  };
}
