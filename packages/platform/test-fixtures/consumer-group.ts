// Consumer groups for tests. A test that starts a projection or any other
// consumer gives it a group of its own, never a production group
// (packages/contracts/src/topics.ts), so it never takes partitions, messages
// or committed positions from the running services. The group starts at the
// current end of its topics: the test reads what it sends from now on, not the
// whole history of the shared topics (which, projected again by a test, would
// be slow on a long-lived stack and would touch the stores for nothing).
import { randomBytes } from 'node:crypto';
import { Admin } from '@platformatic/kafka';
import { ensureTopics, kafkaBrokers } from '../src/kafka.ts';

/** A fresh group name derived from a production one: `${base}-test-…`. */
export function testGroupName(base: string): string {
  return `${base}-test-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/**
 * A new test group whose committed position on every partition of `topics`
 * is the current end of that partition: its consumer starts with the next
 * message produced.
 */
export async function testGroupAtEnd(base: string, topics: readonly string[]): Promise<string> {
  const groupId = testGroupName(base);
  await ensureTopics(topics);
  const admin = new Admin({ clientId: 'test-group-setup', bootstrapBrokers: kafkaBrokers() });
  try {
    const metadata = await admin.metadata({ topics: [...topics] });
    const request = topics.map((name) => {
      const count = metadata.topics.get(name)?.partitionsCount ?? 0;
      if (count === 0) throw new Error(`topic ${name} has no partitions in the broker's metadata`);
      return { name, partitions: Array.from({ length: count }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n })) };
    });
    const ends = await admin.listOffsets({ topics: request });
    await admin.alterConsumerGroupOffsets({
      groupId,
      topics: ends.map((t) => ({ name: t.name, partitionOffsets: t.partitions.map((p) => ({ partition: p.partitionIndex, offset: p.offset })) })),
    });
  } finally {
    await admin.close();
  }
  return groupId;
}

/** Deletes test groups once their consumers are closed, so they do not pile up in the broker. */
export async function deleteTestGroups(...groupIds: string[]): Promise<void> {
  const admin = new Admin({ clientId: 'test-group-cleanup', bootstrapBrokers: kafkaBrokers() });
  try {
    await admin.deleteGroups({ groups: groupIds });
  } finally {
    await admin.close();
  }
}
