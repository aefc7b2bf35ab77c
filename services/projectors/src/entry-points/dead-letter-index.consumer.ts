// Reads the dead-letter topic, and what became of replays (the replays topic),
// from their start at every launch and keeps the newest letters still in need
// of a person in memory for GET /dead-letters. It commits nothing (the index
// lives in memory, so a restart must read everything again) and never
// dead-letters: a record it cannot read is logged and skipped, because sending
// it to the topic it reads would loop forever. The supervised consumer
// replaces a reader that could not start or whose stream died; the index
// deduplicates what it reads again.
import type { Logger } from 'pino';
import { z } from 'zod';
import { DeadLetter as DeadLetterSchema } from '@polyglot/contracts/api';
import { consumerGroups, topics } from '@polyglot/contracts/topics';
import { SupervisedConsumer } from '@polyglot/platform/consumer';
import type { DeadLetter, DeadLetterReplayRecord } from '@polyglot/platform/kafka';
import type { DeadLetterIndex } from '../domain/dead-letter-index.ts';

export const DEAD_LETTER_INDEX_GROUP = consumerGroups.deadLetterIndex;

export function parseDeadLetter(value: string | null): DeadLetter {
  // Checked by the compiler: the API schema describes exactly what the consumers and relays publish.
  const letter: DeadLetter = DeadLetterSchema.parse(JSON.parse(value ?? 'null'));
  return letter;
}

const ReplayRecord = z.object({ id: z.string(), state: z.enum(['replayed', 'applied', 'discarded']), group: z.string(), at: z.string() });

export function parseReplayRecord(value: string | null): DeadLetterReplayRecord {
  return ReplayRecord.parse(JSON.parse(value ?? 'null'));
}

export function createDeadLetterReader(index: DeadLetterIndex, logger: Logger, groupId: string = DEAD_LETTER_INDEX_GROUP): SupervisedConsumer {
  const log = logger.child({ consumer: groupId });
  return new SupervisedConsumer({
    groupId,
    topics: [topics.deadLetters, topics.deadLetterReplays],
    logger: log,
    offsets: 'none',
    handle: async (message) => {
      try {
        if (message.topic === topics.deadLetterReplays) index.mark(parseReplayRecord(message.value));
        else index.add(`${message.partition}:${message.offset}`, parseDeadLetter(message.value));
      } catch (error) {
        const reason = error instanceof z.ZodError ? z.prettifyError(error) : (error as Error).message;
        log.warn({ topic: message.topic, partition: message.partition, offset: String(message.offset), reason }, 'skipped an unreadable dead-letter record');
      }
    },
  });
}
