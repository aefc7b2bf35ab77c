// Test helpers that talk to the real broker: the shared message builders, and
// waiting until a consumer group is past a message.
import { Admin } from '@platformatic/kafka';
import { kafkaBrokers } from '@polyglot/platform/kafka';
import { waitFor } from '@polyglot/platform/wait-for';
import type { Produced } from '@polyglot/contracts/test-fixtures/message-builders';

export { debeziumChange, nextLsn, outboxEvent, produce, testPostId, testUserId, type Produced } from '@polyglot/contracts/test-fixtures/message-builders';

/** Resolves once the group has committed past the message: the loop commits only after its handler finished. */
export async function waitUntilConsumed(group: string, message: Produced, ms: number): Promise<void> {
  const admin = new Admin({ clientId: 'projectors-test', bootstrapBrokers: kafkaBrokers() });
  try {
    await waitFor(`${group} to pass ${message.topic}/${message.partition}@${message.offset}`, async () => {
        const [offsets] = await admin.listConsumerGroupOffsets({ groups: [group] });
        const partition = offsets?.topics.find((t) => t.name === message.topic)?.partitions.find((p) => p.partitionIndex === message.partition);
        return partition !== undefined && partition.committedOffset > message.offset;
      }, { timeoutMs: ms });
  } finally {
    await admin.close();
  }
}
