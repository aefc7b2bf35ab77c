// Publishes outbox events to Kafka, keyed by post id so one post's events
// stay in one partition, in order.
import { topics } from '@polyglot/contracts/topics';
import { ensureTopics, sendDeadLetter, type DeadLetter, type StringProducer } from '@polyglot/platform/kafka';

export interface EventMessage {
  key: string;
  value: string;
  traceparent?: string;
}

export class PostEventsPublisher {
  readonly #producer: StringProducer;
  #topicReady = false;

  constructor(producer: StringProducer) {
    this.#producer = producer;
  }

  /** Creates the topic when missing (with its partitions, not the broker's auto-create defaults). */
  async prepare(): Promise<void> {
    if (this.#topicReady) return;
    await ensureTopics([topics.postEvents]);
    this.#topicReady = true;
  }

  /** Resolves once the broker acknowledged every message (acks=all, idempotent producer). */
  async publish(messages: EventMessage[]): Promise<void> {
    await this.prepare();
    await this.#producer.send({
      messages: messages.map((m) => ({
        topic: topics.postEvents,
        key: m.key,
        value: m.value,
        ...(m.traceparent ? { headers: { traceparent: m.traceparent } } : {}),
      })),
    });
  }

  /** An event that can never be produced, to pipeline.dead-letters (the consumers' envelope, stage 'produce'). */
  async deadLetter(letter: DeadLetter): Promise<void> {
    await sendDeadLetter(this.#producer, letter);
  }

  async close(): Promise<void> {
    await this.#producer.close();
  }
}
