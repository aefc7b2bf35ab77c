// Test helpers that talk to the real broker: the shared message builders, and
// finding a dead letter.
import { randomUUID } from 'node:crypto';
import { Consumer, stringDeserializers } from '@platformatic/kafka';
import { topics } from '@polyglot/contracts/topics';
import { kafkaBrokers, type DeadLetter } from '@polyglot/platform/kafka';

export { debeziumChange, outboxEvent, produce, testPostId, testUserId } from '@polyglot/contracts/test-fixtures/message-builders';

/** Reads the dead-letter topic from the start until a letter matches. */
export async function findDeadLetter(matches: (letter: DeadLetter) => boolean, ms: number): Promise<DeadLetter> {
  const consumer = new Consumer({ clientId: 'dead-letter-probe', groupId: `dead-letter-probe-${randomUUID()}`, bootstrapBrokers: kafkaBrokers(), deserializers: stringDeserializers });
  try {
    const stream = await consumer.consume({ topics: [topics.deadLetters], mode: 'earliest', autocommit: false, maxWaitTime: 100 });
    const timer = setTimeout(() => stream.destroy(new Error(`no matching dead letter within ${ms} ms`)), ms);
    try {
      for await (const message of stream) {
        let letter: DeadLetter;
        try {
          letter = JSON.parse(String(message.value)) as DeadLetter;
        } catch {
          continue;
        }
        if (matches(letter)) return letter;
      }
    } finally {
      clearTimeout(timer);
    }
    throw new Error('the dead-letter stream ended');
  } finally {
    await consumer.close(true);
  }
}
