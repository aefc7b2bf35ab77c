// Kafka helpers shared by relays and projectors: an idempotent producer, and
// a consumer loop that handles one message at a time per process, commits
// only after the handler succeeded (at-least-once), retries with backoff, and
// after the last try sends the message to the dead-letter topic with its
// error so the partition moves on. Nothing is dropped silently.
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers, type Message, type MessagesStream } from '@platformatic/kafka';
import type { Logger } from 'pino';
import type { ChangeEvent } from '../../contracts/src/events.ts';
import { topics } from '../../contracts/src/topics.ts';
import { LatencyWindow } from './latency.ts';
import type { ProjectionFaults } from './projection-faults.ts';

export function kafkaBrokers(): string[] {
  return (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()).filter(Boolean);
}

export type StringProducer = Producer<string, string, string, string>;

export function createProducer(clientId: string): StringProducer {
  return new Producer({ clientId, bootstrapBrokers: kafkaBrokers(), serializers: stringSerializers, idempotent: true, acks: -1, retries: 5 });
}

/** Creates topics that do not exist yet (partitions keep per-key order; replication 1 on one broker). */
export async function ensureTopics(names: readonly string[], partitions = 3): Promise<void> {
  const admin = new Admin({ clientId: 'topic-setup', bootstrapBrokers: kafkaBrokers() });
  try {
    const existing = new Set(await admin.listTopics());
    const missing = names.filter((n) => !existing.has(n));
    if (missing.length > 0) {
      await admin.createTopics({ topics: missing, partitions, replicas: 1 }).catch((error: unknown) => {
        // Another process may have created it meanwhile.
        if (!/already exists/i.test(String((error as Error).message))) throw error;
      });
    }
  } finally {
    await admin.close();
  }
}

export interface InboundMessage {
  topic: string;
  partition: number;
  offset: bigint;
  key: string | null;
  value: string | null;
  timestamp: Date;
  headers: Record<string, string>;
}

export interface DeadLetter {
  group: string;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  error: string;
  attempts: number;
  failedAt: string;
}

/** An error no retry can fix (a message that does not parse): straight to the dead-letter topic. */
export class PermanentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

/** Which change a message carried: what a projection's watermark advances to. */
export interface ChangeRef {
  source: ChangeEvent['source'];
  entityId: string;
  position: number;
  type: string;
}

/** What a handler may return: when the change was committed at its source, to measure commit → applied. */
export interface AppliedChange {
  occurredAt: Date;
  change?: ChangeRef;
  /** Epoch ms when Debezium read the change from the WAL (users only). */
  capturedAt?: number;
  /** Where the change was read from, and when Kafka took it (the record's timestamp). */
  kafka?: { topic: string; partition: number; offset: string; publishedAt: number };
  /** Applied before (a replay): moves watermarks, but its age is not a latency sample. */
  replay?: boolean;
}

/** The change, with the message it came in: each hop of its journey has a timestamp. */
export function fromMessage(applied: AppliedChange, message: InboundMessage): AppliedChange {
  return { ...applied, kafka: { topic: message.topic, partition: message.partition, offset: String(message.offset), publishedAt: message.timestamp.getTime() } };
}

/** The AppliedChange of a normalised event. */
export function appliedOf(event: ChangeEvent, replay = false): AppliedChange {
  return {
    occurredAt: event.occurredAt,
    change: { source: event.source, entityId: event.entityId, position: event.position, type: event.type },
    ...(event.capturedAt ? { capturedAt: event.capturedAt.getTime() } : {}),
    ...(replay ? { replay } : {}),
  };
}

export interface ConsumerLoopOptions {
  groupId: string;
  topics: readonly string[];
  logger: Logger;
  handle(message: InboundMessage): Promise<void | AppliedChange | null>;
  /** Tries before a message is dead-lettered. */
  maxAttempts?: number;
  /** Delay before retry n (1-based). */
  backoffMs?: (attempt: number) => number;
  /** Errors that retrying cannot fix. */
  isPermanent?: (error: unknown) => boolean;
  /** Where a fresh group starts: 'earliest' projects everything already in the log. */
  startFrom?: 'earliest' | 'latest';
  /**
   * Applies several messages at once (e.g. one store transaction for all of them), in order,
   * returning one result per message. Used when messages are already waiting; if it throws,
   * the messages are applied one by one with `handle`, so one bad message cannot hold the others.
   */
  handleBatch?(messages: InboundMessage[]): Promise<Array<void | AppliedChange | null>>;
  /** Most messages handed to handleBatch at once. */
  maxBatch?: number;
  /** Told what was applied (a message or a batch), before it is committed; must not throw. */
  onApplied?(changes: AppliedChange[]): void;
  /** Faults on purpose (pause, delay, duplicate), shared by the loops that replace one another. */
  faults?: ProjectionFaults;
}

export interface ConsumerLoopStats {
  processed: number;
  deadLettered: number;
  retries: number;
  lastAppliedAt: string | null;
  running: boolean;
}

function toInbound(message: Message<string, string, string, string>): InboundMessage {
  const headers: Record<string, string> = {};
  for (const [k, v] of message.headers ?? []) headers[String(k)] = String(v);
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: message.key === undefined || message.key === null || (message.key as unknown) === '' ? null : String(message.key),
    value: message.value === undefined || message.value === null || (message.value as unknown) === '' ? null : String(message.value),
    timestamp: new Date(Number(message.timestamp)),
    headers,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ConsumerLoop {
  readonly stats: ConsumerLoopStats = { processed: 0, deadLettered: 0, retries: 0, lastAppliedAt: null, running: false };
  /** Source commit → applied here, for handlers that return the change's occurredAt. */
  readonly latency = new LatencyWindow();
  private readonly options: Required<Omit<ConsumerLoopOptions, 'isPermanent' | 'handleBatch' | 'onApplied' | 'faults'>> & Pick<ConsumerLoopOptions, 'isPermanent' | 'handleBatch' | 'onApplied' | 'faults'>;
  private consumer: Consumer<string, string, string, string> | undefined;
  private stream: MessagesStream<string, string, string, string> | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  // Aborted by stop(): frees a loop held by a pause or a delay without committing what it holds.
  private readonly stopSignal = new AbortController();
  private readonly deadLetters: StringProducer;

  constructor(options: ConsumerLoopOptions) {
    this.options = {
      maxAttempts: 5,
      backoffMs: (attempt) => Math.min(2000, 50 * 2 ** attempt),
      startFrom: 'earliest',
      maxBatch: 200,
      ...options,
    };
    this.deadLetters = createProducer(`${options.groupId}-dead-letters`);
  }

  async start(): Promise<void> {
    await ensureTopics([...this.options.topics, topics.deadLetters]);
    this.consumer = new Consumer({
      clientId: this.options.groupId,
      groupId: this.options.groupId,
      bootstrapBrokers: kafkaBrokers(),
      deserializers: stringDeserializers,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 10_000,
    });
    this.stream = await this.consumer.consume({
      topics: [...this.options.topics],
      autocommit: false,
      mode: 'committed',
      fallbackMode: this.options.startFrom,
      maxWaitTime: 50,
    });
    this.stats.running = true;
    this.loop = this.run(this.stream);
  }

  private async run(stream: MessagesStream<string, string, string, string>): Promise<void> {
    const iterator = stream[Symbol.asyncIterator]();
    try {
      for (;;) {
        const first = await iterator.next();
        if (first.done || this.stopping) break;
        // Paused or delayed on purpose: hold the message in hand, uncommitted, and fetch no more
        // (the stream stops fetching once its buffer is full), so the backlog shows as lag.
        const faults = this.options.faults;
        if (faults?.active) {
          try {
            await faults.beforeApply(this.stopSignal.signal);
          } catch {
            break;
          }
          if (this.stopping) break;
        }
        const batch = [first.value as Message<string, string, string, string>];
        // Take what has already arrived, without waiting for more: under load, batches grow by themselves.
        while (this.options.handleBatch && batch.length < this.options.maxBatch && stream.readableLength > 0) {
          const next = await iterator.next();
          if (next.done) break;
          batch.push(next.value as Message<string, string, string, string>);
        }
        if (batch.length > 1) await this.processBatch(batch);
        else await this.process(batch[0]!);
      }
    } catch (error) {
      if (!this.stopping) this.options.logger.error({ err: error, group: this.options.groupId }, 'consumer stream failed');
    } finally {
      this.stats.running = false;
    }
  }

  private async process(message: Message<string, string, string, string>): Promise<void> {
    const inbound = toInbound(message);
    const { logger, maxAttempts, backoffMs, isPermanent } = this.options;
    for (let attempt = 1; ; attempt++) {
      try {
        const applied = await this.options.handle(inbound);
        if (this.options.faults?.applications === 2) {
          // Duplicate mode: the same message again, as a redelivery would bring it.
          await this.options.handle(inbound);
          this.options.faults.countDuplicated(1);
        }
        if (applied && applied.occurredAt instanceof Date && !applied.replay) this.latency.record(Date.now() - applied.occurredAt.getTime());
        if (applied) this.options.onApplied?.([fromMessage(applied, inbound)]);
        break;
      } catch (error) {
        const permanent = error instanceof PermanentError || isPermanent?.(error) === true;
        if (permanent || attempt >= maxAttempts || this.stopping) {
          if (this.stopping && !permanent) throw error;
          await this.deadLetter(inbound, error, attempt);
          break;
        }
        this.stats.retries++;
        logger.warn({ err: error, topic: inbound.topic, partition: inbound.partition, offset: String(inbound.offset), attempt }, 'handler failed; retrying');
        await sleep(backoffMs(attempt));
      }
    }
    await message.commit();
    this.stats.processed++;
    this.stats.lastAppliedAt = new Date().toISOString();
  }

  private async processBatch(batch: Message<string, string, string, string>[]): Promise<void> {
    let applied: Array<void | AppliedChange | null>;
    const inbound = batch.map(toInbound);
    try {
      applied = await this.options.handleBatch!(inbound);
      if (this.options.faults?.applications === 2) {
        await this.options.handleBatch!(inbound);
        this.options.faults.countDuplicated(batch.length);
      }
    } catch (error) {
      if (this.stopping) throw error;
      this.options.logger.debug({ err: error, size: batch.length }, 'batch failed; applying its messages one by one');
      for (const message of batch) await this.process(message);
      return;
    }
    const now = Date.now();
    const changes = applied.flatMap((change, i) => (change && change.occurredAt instanceof Date ? [fromMessage(change, inbound[i]!)] : []));
    for (const change of changes) if (!change.replay) this.latency.record(now - change.occurredAt.getTime());
    if (changes.length > 0) this.options.onApplied?.(changes);
    // Committing the last message of a partition commits everything before it.
    const last = new Map<string, Message<string, string, string, string>>();
    for (const message of batch) last.set(`${message.topic}:${message.partition}`, message);
    for (const message of last.values()) await message.commit();
    this.stats.processed += batch.length;
    this.stats.lastAppliedAt = new Date().toISOString();
  }

  private async deadLetter(message: InboundMessage, error: unknown, attempts: number): Promise<void> {
    const letter: DeadLetter = {
      group: this.options.groupId,
      topic: message.topic,
      partition: message.partition,
      offset: String(message.offset),
      key: message.key,
      value: message.value,
      error: (error as Error)?.message ?? String(error),
      attempts,
      failedAt: new Date().toISOString(),
    };
    await this.deadLetters.send({ messages: [{ topic: topics.deadLetters, key: message.key ?? undefined, value: JSON.stringify(letter) }] });
    this.stats.deadLettered++;
    this.options.logger.error({ topic: message.topic, partition: message.partition, offset: letter.offset, error: letter.error, attempts }, 'message sent to the dead-letter topic');
  }

  /** Messages in the log that this group has not processed yet, summed over partitions. */
  async lag(): Promise<number> {
    if (!this.consumer) return 0;
    const offsets = await this.consumer.getLag({ topics: [...this.options.topics] });
    let total = 0n;
    for (const partitions of offsets.values()) for (const lag of partitions) if (lag > 0n) total += lag;
    return Number(total);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.stopSignal.abort();
    await this.stream?.close().catch(() => undefined);
    await this.loop?.catch(() => undefined);
    await this.consumer?.close(true).catch(() => undefined);
    await this.deadLetters.close().catch(() => undefined);
  }
}
