// The graph outbox relay, run inside the graph service's process: publishes
// (:Outbox) nodes to Kafka in seq order, then deletes exactly the ones Kafka
// acknowledged. A crash between the two publishes them again (at-least-once;
// consumers dedupe by eventId). Nothing is lost while Neo4j or Kafka is down:
// the events wait in the outbox and the relay backs off. Each write in this
// process that fills the outbox wakes it with a call (wake()); the idle poll
// catches what no wake announced (events left by a process that stopped, or
// written by another instance). A send stays under maxBatchBytes (below the
// broker's limit); an event that can never be produced (larger than that
// alone, or refused by the broker for what it is) goes to the dead letters and
// leaves the outbox instead of blocking it.
import { setTimeout as sleep } from 'node:timers/promises';
import type { OutboxEvent } from '@polyglot/contracts/events';
import { topics } from '@polyglot/contracts/topics';
import { retryBackoffMs } from '@polyglot/platform/backoff';
import { createProducer, DEFAULT_RELAY_BATCH_BYTES, ensureTopics, isRejectedRecord, recordBytes, sendDeadLetter, type StringProducer } from '@polyglot/platform/kafka';
import type { Logger } from '@polyglot/platform/logger';
import { startPublishSpan } from '@polyglot/platform/message-tracing';
import { endSpan, traceparentOf } from '@polyglot/platform/tracing';
import type { OutboxRepository } from './data-access/outbox.repository.ts';

export interface OutboxRelayOptions {
  outbox: OutboxRepository;
  logger: Logger;
  /** Pause when the outbox is empty: short enough for low latency, never a busy loop. */
  pollMs: number;
  batchSize?: number;
  /** Most bytes in one send (default: DEFAULT_RELAY_BATCH_BYTES, under the broker's message.max.bytes). */
  maxBatchBytes?: number;
  maxBackoffMs?: number;
  producerFactory?: () => StringProducer;
}

export interface RelayStats {
  published: number;
  lastPublishedAt: string | null;
  lastError: string | null;
  running: boolean;
  /** Events that could never be produced, sent to the dead letters and removed from the outbox. */
  deadLettered: number;
}

/** The relay's name in the dead letters it writes. */
export const GRAPH_RELAY_GROUP = 'graph-relay';

/** The record of an event; its header carries the publish span's context (or, outside a trace, the event's own). */
const messageOf = (event: OutboxEvent, traceparent = event.traceparent) => ({
  topic: topics.graphEvents,
  key: event.aggregateId,
  value: JSON.stringify(event),
  ...(traceparent ? { headers: { traceparent } } : {}),
});
type Outgoing = ReturnType<typeof messageOf>;

export class OutboxRelay {
  readonly stats: RelayStats = { published: 0, lastPublishedAt: null, lastError: null, running: false, deadLettered: 0 };
  private readonly options: Required<OutboxRelayOptions>;
  private readonly stopping = new AbortController();
  private producer: StringProducer | undefined;
  private topicReady = false;
  private loop: Promise<void> | undefined;
  private idle: AbortController | undefined;
  private woken = false;

  constructor(options: OutboxRelayOptions) {
    this.options = { batchSize: 100, maxBatchBytes: DEFAULT_RELAY_BATCH_BYTES, maxBackoffMs: 5000, producerFactory: () => createProducer(GRAPH_RELAY_GROUP), ...options };
  }

  /** New events are waiting: publish now instead of at the next idle poll. */
  wake(): void {
    this.woken = true;
    this.idle?.abort();
  }

  start(): void {
    this.stats.running = true;
    this.loop = this.run().finally(() => {
      this.stats.running = false;
    });
  }

  private async run(): Promise<void> {
    const { logger, pollMs, maxBackoffMs } = this.options;
    // pollMs paces the idle loop; failures back off from 100 ms up to maxBackoffMs.
    const signal = this.stopping.signal;
    let failures = 0;
    while (!signal.aborted) {
      let sent: number;
      try {
        sent = await this.publishBatch();
        failures = 0;
        this.stats.lastError = null;
      } catch (error) {
        if (signal.aborted) break;
        failures++;
        this.stats.lastError = (error as Error).message;
        // Log the first failure and then every tenth, not one line per retry.
        if (failures === 1 || failures % 10 === 0) logger.warn({ err: error, failures }, 'graph relay cannot publish; the events stay in the outbox, retrying');
        await this.resetProducer();
        await sleep(retryBackoffMs(failures, maxBackoffMs), undefined, { signal }).catch(() => undefined);
        continue;
      }
      // A full batch means more may be waiting: go again at once. Otherwise idle until
      // a write in this process wakes it (it just wrote an outbox node) or the poll comes round.
      if (sent < this.options.batchSize && !this.woken) {
        this.idle = new AbortController();
        await sleep(pollMs, undefined, { signal: AbortSignal.any([signal, this.idle.signal]) }).catch(() => undefined);
      }
      this.woken = false;
    }
  }

  /**
   * One round: read the oldest events, publish those that fit in one send,
   * delete them. Returns how many left the outbox (a full round means more may wait).
   */
  async publishBatch(): Promise<number> {
    const { outbox, batchSize, maxBatchBytes, logger } = this.options;
    if (!this.topicReady) {
      await ensureTopics([topics.graphEvents]);
      this.topicReady = true;
    }
    const events = await outbox.oldest(batchSize);
    if (events.length === 0) return 0;
    this.producer ??= this.options.producerFactory();
    // The oldest events, in seq order, while the send stays under maxBatchBytes.
    const sending: Array<{ event: OutboxEvent; message: Outgoing; span: ReturnType<typeof startPublishSpan> }> = [];
    const unproducible: Array<{ event: OutboxEvent; message: Outgoing; reason: string }> = [];
    let bytes = 0;
    for (const event of events) {
      const message = messageOf(event);
      const size = recordBytes(message);
      if (size > maxBatchBytes) {
        unproducible.push({ event, message, reason: `the event takes ${size} bytes, more than a send may carry (${maxBatchBytes}, under Kafka's message.max.bytes)` });
        continue;
      }
      if (bytes + size > maxBatchBytes) break;
      bytes += size;
      // Its span's context replaces the event's in the header: the same length, so the size holds.
      const span = startPublishSpan(topics.graphEvents, event.aggregateId, event.traceparent);
      sending.push({ event, message: span ? messageOf(event, traceparentOf(span)) : message, span });
    }
    // One send keeps seq order within each partition (the producer is idempotent).
    let refused: Array<(typeof sending)[number] & { reason: string }>;
    try {
      refused = await this.send(this.producer, sending);
    } catch (error) {
      for (const { span } of sending) if (span) endSpan(span, error);
      throw error;
    }
    for (const one of sending) if (one.span) endSpan(one.span, refused.find((r) => r.event === one.event)?.reason);
    unproducible.push(...refused);
    for (const { message, reason } of unproducible) await this.deadLetter(this.producer, message, reason);
    const done = [...sending.map((s) => s.event), ...unproducible.filter((u) => !refused.some((r) => r.event === u.event)).map((u) => u.event)];
    await outbox.remove(done.map((e) => e.eventId));
    const published = sending.length - refused.length;
    this.stats.published += published;
    if (published > 0) this.stats.lastPublishedAt = new Date().toISOString();
    logger.debug({ count: published, deadLettered: unproducible.length, lastSeq: done.at(-1)?.position }, 'graph events published');
    // Cut short by the byte bound: go again at once, as for a full batch.
    return done.length < events.length ? batchSize : done.length;
  }

  /** One send; if the broker refuses it for what it carries, each alone, in order, to find those it never takes. */
  private async send<T extends { message: Outgoing }>(producer: StringProducer, sending: T[]): Promise<Array<T & { reason: string }>> {
    if (sending.length === 0) return [];
    try {
      await producer.send({ messages: sending.map((s) => s.message) });
      return [];
    } catch (error) {
      if (!isRejectedRecord(error)) throw error;
      if (sending.length === 1) return [{ ...sending[0]!, reason: `Kafka refuses it: ${(error as Error).message}` }];
    }
    const refused: Array<T & { reason: string }> = [];
    for (const one of sending) refused.push(...(await this.send(producer, [one])));
    return refused;
  }

  private async deadLetter(producer: StringProducer, message: Outgoing, reason: string): Promise<void> {
    await sendDeadLetter(producer, {
      group: GRAPH_RELAY_GROUP,
      topic: topics.graphEvents,
      partition: -1,
      offset: '-1',
      key: message.key,
      value: message.value,
      error: `${reason}; it was removed from the outbox and can be replayed from here once the cause is fixed`,
      attempts: 1,
      failedAt: new Date().toISOString(),
      stage: 'produce',
      ...('headers' in message && message.headers ? { headers: message.headers } : {}),
    });
    this.stats.deadLettered++;
    this.options.logger.error({ key: message.key, reason }, 'an outbox event can never be produced; it went to the dead letters');
  }

  /** After a failed send the connection state is unknown; the next round starts with a fresh producer. */
  private async resetProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.close(true).catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    await this.producer?.close().catch(() => undefined);
    this.producer = undefined;
  }
}
