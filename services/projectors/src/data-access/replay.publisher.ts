// Publishes a replayed dead letter and the record of its replay in one send
// (the idempotent producer; acks from every replica).
import { topics } from '@polyglot/contracts/topics';
import { createProducer, ensureTopics, type DeadLetterReplayRecord, type StringProducer } from '@polyglot/platform/kafka';

/** One message for its topic, and the record of its replay, in one send. */
export interface ReplayMessage {
  topic: string;
  /** Absent for a relay's letter: the producer places it by key, as the relay would have. */
  partition?: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export interface ReplayPublisher {
  publish(message: ReplayMessage, record: DeadLetterReplayRecord): Promise<void>;
}

export class KafkaReplayPublisher implements ReplayPublisher {
  readonly #producer: StringProducer;
  #ready = false;

  constructor(producer: StringProducer = createProducer('dead-letter-replay')) {
    this.#producer = producer;
  }

  async publish(message: ReplayMessage, record: DeadLetterReplayRecord): Promise<void> {
    if (!this.#ready) {
      await ensureTopics([topics.deadLetterReplays]);
      this.#ready = true;
    }
    await this.#producer.send({
      messages: [
        {
          topic: message.topic,
          ...(message.partition !== undefined ? { partition: message.partition } : {}),
          ...(message.key !== null ? { key: message.key } : {}),
          ...(message.value !== null ? { value: message.value } : {}),
          headers: message.headers,
        },
        { topic: topics.deadLetterReplays, key: record.id, value: JSON.stringify(record) },
      ],
    });
  }

  async close(): Promise<void> {
    await this.#producer.close().catch(() => undefined);
  }
}
