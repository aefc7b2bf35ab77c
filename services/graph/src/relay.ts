// The graph outbox relay: publishes (:Outbox) nodes to Kafka in seq order, then
// deletes exactly the ones Kafka acknowledged. A crash between the two publishes
// them again (at-least-once; consumers dedupe by eventId). Nothing is lost while
// Neo4j or Kafka is down: the events wait in the outbox and the relay backs off.
import { setTimeout as sleep } from 'node:timers/promises';
import { topics } from '@polyglot/contracts/topics';
import { createProducer, ensureTopics, type StringProducer } from '@polyglot/platform/kafka';
import type { Logger } from '@polyglot/platform/logger';
import type { OutboxRepository } from './data-access/outbox.repository.ts';

export interface OutboxRelayOptions {
  outbox: OutboxRepository;
  logger: Logger;
  /** Pause when the outbox is empty: short enough for low latency, never a busy loop. */
  pollMs: number;
  batchSize?: number;
  maxBackoffMs?: number;
  producerFactory?: () => StringProducer;
}

export interface RelayStats {
  published: number;
  lastPublishedAt: string | null;
  lastError: string | null;
  running: boolean;
}

export class OutboxRelay {
  readonly stats: RelayStats = { published: 0, lastPublishedAt: null, lastError: null, running: false };
  private readonly options: Required<OutboxRelayOptions>;
  private readonly stopping = new AbortController();
  private producer: StringProducer | undefined;
  private topicReady = false;
  private loop: Promise<void> | undefined;
  private idle: AbortController | undefined;
  private woken = false;

  constructor(options: OutboxRelayOptions) {
    this.options = { batchSize: 100, maxBackoffMs: 5000, producerFactory: () => createProducer('graph-relay'), ...options };
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
        await sleep(Math.min(maxBackoffMs, 100 * 2 ** (failures - 1)), undefined, { signal }).catch(() => undefined);
        continue;
      }
      // A full batch means more may be waiting: go again at once. Otherwise idle until
      // the graph service nudges (it just wrote an outbox node) or the poll comes round.
      if (sent < this.options.batchSize && !this.woken) {
        this.idle = new AbortController();
        await sleep(pollMs, undefined, { signal: AbortSignal.any([signal, this.idle.signal]) }).catch(() => undefined);
      }
      this.woken = false;
    }
  }

  /** One round: read the oldest events, publish them, delete them. Returns how many. */
  async publishBatch(): Promise<number> {
    const { outbox, batchSize, logger } = this.options;
    if (!this.topicReady) {
      await ensureTopics([topics.graphEvents]);
      this.topicReady = true;
    }
    const events = await outbox.oldest(batchSize);
    if (events.length === 0) return 0;
    this.producer ??= this.options.producerFactory();
    // One send keeps seq order within each partition (the producer is idempotent).
    await this.producer.send({
      messages: events.map((event) => ({
        topic: topics.graphEvents,
        key: event.aggregateId,
        value: JSON.stringify(event),
        ...(event.traceparent ? { headers: { traceparent: event.traceparent } } : {}),
      })),
    });
    await outbox.remove(events.map((e) => e.eventId));
    this.stats.published += events.length;
    this.stats.lastPublishedAt = new Date().toISOString();
    logger.debug({ count: events.length, lastSeq: events.at(-1)?.position }, 'graph events published');
    return events.length;
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
