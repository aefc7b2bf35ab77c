// Reads the dead-letter topic, and what became of replays (the replays topic),
// from their start at every launch and keeps the newest letters still in need
// of a person in memory for GET /dead-letters. It commits nothing (the index
// lives in memory, so a restart must read everything again) and never
// dead-letters: a record it cannot read is logged and skipped, because sending
// it to the topic it reads would loop forever. A reader that could not start
// or whose stream died is replaced; the index deduplicates what it re-reads.
import { setTimeout as sleep } from 'node:timers/promises';
import { Consumer, stringDeserializers, type MessagesStream } from '@platformatic/kafka';
import type { Logger } from 'pino';
import { z } from 'zod';
import { DeadLetter as DeadLetterSchema } from '@polyglot/contracts/api';
import { consumerGroups, topics } from '@polyglot/contracts/topics';
import { ensureTopics, kafkaBrokers, type DeadLetter, type DeadLetterReplayRecord } from '@polyglot/platform/kafka';
import type { DeadLetterIndex } from '../domain/dead-letter-index.ts';

export const DEAD_LETTER_INDEX_GROUP = consumerGroups.deadLetterIndex;

export function parseDeadLetter(value: string | null): DeadLetter {
  // Checked by the compiler: the API schema describes exactly what ConsumerLoop publishes.
  const letter: DeadLetter = DeadLetterSchema.parse(JSON.parse(value ?? 'null'));
  return letter;
}

const ReplayRecord = z.object({ id: z.string(), state: z.enum(['replayed', 'applied', 'discarded']), group: z.string(), at: z.string() });

export function parseReplayRecord(value: string | null): DeadLetterReplayRecord {
  return ReplayRecord.parse(JSON.parse(value ?? 'null'));
}

interface Reading {
  consumer: Consumer<string, string, string, string>;
  stream: MessagesStream<string, string, string, string>;
  done: Promise<void>;
  running: boolean;
}

export class DeadLetterReader {
  private readonly index: DeadLetterIndex;
  private readonly logger: Logger;
  private readonly superviseMs: number;
  private readonly groupId: string;
  private readonly stopped = new AbortController();
  private reading: Reading | undefined;
  private supervisor: Promise<void> | undefined;

  constructor(index: DeadLetterIndex, logger: Logger, groupId: string = DEAD_LETTER_INDEX_GROUP, superviseMs = 2000) {
    this.index = index;
    this.groupId = groupId;
    this.logger = logger.child({ consumer: groupId });
    this.superviseMs = superviseMs;
  }

  get running(): boolean {
    return this.reading?.running ?? false;
  }

  /** Never throws: Kafka being down only delays the index. */
  async start(): Promise<void> {
    await this.read().catch((error: unknown) => this.logger.warn({ err: error }, 'dead-letter index could not start; retrying'));
    this.supervisor = this.supervise();
  }

  async stop(): Promise<void> {
    this.stopped.abort();
    await this.supervisor;
    await this.close();
  }

  private async supervise(): Promise<void> {
    const signal = this.stopped.signal;
    while (!signal.aborted) {
      await sleep(this.superviseMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted || this.running) continue;
      await this.close();
      await this.read().catch((error: unknown) => this.logger.warn({ err: error }, 'dead-letter index could not start; retrying'));
    }
  }

  private async read(): Promise<void> {
    await ensureTopics([topics.deadLetters, topics.deadLetterReplays]);
    const consumer = new Consumer({
      clientId: this.groupId,
      groupId: this.groupId,
      bootstrapBrokers: kafkaBrokers(),
      deserializers: stringDeserializers,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 10_000,
    });
    let stream: MessagesStream<string, string, string, string>;
    try {
      stream = await consumer.consume({ topics: [topics.deadLetters, topics.deadLetterReplays], mode: 'earliest', autocommit: false, maxWaitTime: 100 });
    } catch (error) {
      await consumer.close(true).catch(() => undefined);
      throw error;
    }
    const reading: Reading = { consumer, stream, running: true, done: Promise.resolve() };
    reading.done = this.drain(reading);
    this.reading = reading;
    // stop() may have run while the consumer was joining its group.
    if (this.stopped.signal.aborted) await this.close();
  }

  private async drain(reading: Reading): Promise<void> {
    try {
      for await (const message of reading.stream) {
        const value = message.value === undefined || message.value === null ? null : String(message.value);
        try {
          if (message.topic === topics.deadLetterReplays) this.index.mark(parseReplayRecord(value));
          else this.index.add(`${message.partition}:${message.offset}`, parseDeadLetter(value));
        } catch (error) {
          const reason = error instanceof z.ZodError ? z.prettifyError(error) : (error as Error).message;
          this.logger.warn({ topic: message.topic, partition: message.partition, offset: String(message.offset), reason }, 'skipped an unreadable dead-letter record');
        }
      }
    } catch (error) {
      if (!this.stopped.signal.aborted) this.logger.error({ err: error }, 'dead-letter stream failed; it will be replaced');
    } finally {
      reading.running = false;
    }
  }

  private async close(): Promise<void> {
    const reading = this.reading;
    if (!reading) return;
    this.reading = undefined;
    await reading.stream.close().catch(() => undefined);
    await reading.done;
    await reading.consumer.close(true).catch(() => undefined);
  }
}
