// Kafka helpers shared by relays and projectors: an idempotent producer, and
// a consumer loop that handles one message at a time per process, commits
// only after the handler succeeded (at-least-once), retries with backoff, and
// after the last try sends the message to the dead-letter topic with its
// error so the partition moves on. Nothing is dropped silently. A store that
// does not answer is not the message's fault: the loop waits for it, for as
// long as it takes, and dead-letters nothing meanwhile.
import { setTimeout as sleepFor } from 'node:timers/promises';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers, type Message, type MessagesStream } from '@platformatic/kafka';
import type { Logger } from 'pino';
import type { ChangeEvent } from '../../contracts/src/events.ts';
import { KAFKA_MAX_MESSAGE_BYTES, topics } from '../../contracts/src/topics.ts';
import { isStoreUnavailable } from './errors.ts';
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
  /** The consumer group that gave up, or the relay that could not produce the event. */
  group: string;
  topic: string;
  /** -1 (with offset "-1") when the message never reached its topic: a relay could not produce it. */
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  error: string;
  attempts: number;
  failedAt: string;
  /** The message's own headers (its traceparent), so a replay carries them again. */
  headers?: Record<string, string>;
  /** 'produce': a relay could not produce the event; absent ('consume'): a consumer could not apply it. */
  stage?: 'consume' | 'produce';
  /** The dead letter whose replay failed again: this record takes its place in the list. */
  replayOf?: string;
  /** The value was cut to fit the dead-letter topic; such a letter cannot be replayed. */
  valueTruncated?: boolean;
}

/**
 * Headers of a replayed dead letter. A replay goes back to the message's own
 * topic and partition, but only the group named here applies it (every other
 * group already did, or has dead letters of its own); that group then records
 * the replay as applied under its id, and the letter leaves the list.
 */
export const REPLAY_HEADERS = { id: 'x-dead-letter-id', group: 'x-dead-letter-group' } as const;

/**
 * What pipeline.dead-letter-replays holds, keyed by the dead letter's id: a
 * replay was published, or applied; or the letter was withdrawn by whoever
 * wrote it (a test withdraws the letters it made, so that no one replays them).
 */
export interface DeadLetterReplayRecord {
  id: string;
  state: 'replayed' | 'applied' | 'discarded';
  group: string;
  at: string;
}

/** The replay a message carries, if it is one. */
export function replayOf(message: Pick<InboundMessage, 'headers'>): { id: string; group: string } | null {
  const id = message.headers[REPLAY_HEADERS.id];
  const group = message.headers[REPLAY_HEADERS.group];
  return id && group ? { id, group } : null;
}

/**
 * What a relay puts in one send at most, by default: under the broker's limit
 * with room for the batch's and the records' framing.
 */
export const DEFAULT_RELAY_BATCH_BYTES = 900 * 1024;

/** Bytes a record takes in a batch: its key, value and headers, and a generous allowance for the framing. */
export function recordBytes(message: { key?: string | null; value?: string | null; headers?: Record<string, string> | undefined }): number {
  let bytes = 64 + Buffer.byteLength(message.key ?? '') + Buffer.byteLength(message.value ?? '');
  for (const [name, value] of Object.entries(message.headers ?? {})) bytes += 8 + Buffer.byteLength(name) + Buffer.byteLength(value);
  return bytes;
}

/** Broker answers that say "this record will never be accepted", whatever the retries. */
const REJECTED_RECORD = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_TIMESTAMP', 'INVALID_RECORD_LIST']);

/** Whether a failed send was refused for what it carried (too large, invalid), rather than for the broker being away. */
export function isRejectedRecord(error: unknown): boolean {
  const seen = new Set<unknown>();
  const visit = (e: unknown): boolean => {
    if (!e || typeof e !== 'object' || seen.has(e)) return false;
    seen.add(e);
    const { apiId, errors, cause } = e as { apiId?: unknown; errors?: unknown; cause?: unknown };
    if (typeof apiId === 'string' && REJECTED_RECORD.has(apiId)) return true;
    if (Array.isArray(errors) && errors.some(visit)) return true;
    return visit(cause);
  };
  return visit(error);
}

/** Room kept in a dead-letter record for everything but the value. */
const DEAD_LETTER_ENVELOPE_BYTES = 64 * 1024;

/**
 * Sends a dead letter. A value too large for the dead-letter topic itself is
 * cut (and the letter marked valueTruncated): the letter still tells what
 * failed and why, but cannot be replayed.
 */
export async function sendDeadLetter(producer: StringProducer, letter: DeadLetter): Promise<void> {
  const limit = KAFKA_MAX_MESSAGE_BYTES - DEAD_LETTER_ENVELOPE_BYTES;
  let sent = letter;
  if (letter.value !== null && Buffer.byteLength(letter.value) > limit) {
    const kept = Buffer.from(letter.value).subarray(0, limit).toString('utf8').replace(/\uFFFD$/, '');
    sent = { ...letter, value: kept, valueTruncated: true, error: `${letter.error} (its value was cut to ${Buffer.byteLength(kept)} of ${Buffer.byteLength(letter.value)} bytes to fit here, so it cannot be replayed)` };
  }
  await producer.send({ messages: [{ topic: topics.deadLetters, key: letter.key ?? undefined, value: JSON.stringify(sent) }] });
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

/** The one backoff of the pipeline: 100 ms before the second try, doubling, up to maxMs. */
export function retryBackoffMs(attempt: number, maxMs = 5000): number {
  return Math.min(maxMs, 100 * 2 ** Math.min(Math.max(attempt, 1) - 1, 16));
}

/**
 * The retries of a message that fails for its own sake, before it is
 * dead-lettered: CONSUMER_MAX_ATTEMPTS tries (default 5), waiting
 * retryBackoffMs up to CONSUMER_MAX_BACKOFF_MS (default 2000) between them.
 * Tests shorten it; a store outage never spends it.
 */
export function retryBudget(env: NodeJS.ProcessEnv = process.env): { maxAttempts: number; maxBackoffMs: number } {
  const read = (name: string, fallback: number, min: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min} (got "${raw}")`);
    return value;
  };
  return { maxAttempts: read('CONSUMER_MAX_ATTEMPTS', 5, 1), maxBackoffMs: read('CONSUMER_MAX_BACKOFF_MS', 2000, 0) };
}

export interface ConsumerLoopOptions {
  groupId: string;
  topics: readonly string[];
  logger: Logger;
  handle(message: InboundMessage): Promise<void | AppliedChange | null>;
  /** Tries before a message that fails for its own sake is dead-lettered (default: retryBudget()). */
  maxAttempts?: number;
  /** Delay before retry n (1-based) of such a message (default: retryBackoffMs up to retryBudget()'s bound). */
  backoffMs?: (attempt: number) => number;
  /** Errors that retrying cannot fix. */
  isPermanent?: (error: unknown) => boolean;
  /**
   * Errors meaning "the store does not answer" (default: isStoreUnavailable from
   * errors.ts). They are waited out, however long, and spend no retries: a
   * store outage is never a reason to dead-letter a message.
   */
  isStoreUnavailable?: (error: unknown) => boolean;
  /** Delay before try n while the store does not answer (default: retryBackoffMs, up to 5 s). */
  storeBackoffMs?: (attempt: number) => number;
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
  /** Set while a message waits for its store to answer again: since when, and the store's last error. */
  waitingForStore: StoreWait | null;
}

export interface StoreWait {
  since: string;
  error: string;
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

/** Headers a dead letter keeps: the message's own, without the marks of an earlier replay. */
function ownHeaders(headers: Record<string, string>): Record<string, string> | undefined {
  const kept = Object.entries(headers).filter(([name]) => name !== REPLAY_HEADERS.id && name !== REPLAY_HEADERS.group);
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}

export class ConsumerLoop {
  readonly stats: ConsumerLoopStats = { processed: 0, deadLettered: 0, retries: 0, lastAppliedAt: null, running: false, waitingForStore: null };
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
    const budget = retryBudget();
    this.options = {
      maxAttempts: budget.maxAttempts,
      backoffMs: (attempt) => retryBackoffMs(attempt, budget.maxBackoffMs),
      isStoreUnavailable,
      storeBackoffMs: (attempt) => retryBackoffMs(attempt),
      startFrom: 'earliest',
      maxBatch: 200,
      ...options,
    };
    this.deadLetters = createProducer(`${options.groupId}-dead-letters`);
  }

  async start(): Promise<void> {
    await ensureTopics([...this.options.topics, topics.deadLetters, topics.deadLetterReplays]);
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

  /** A replay meant for another group: that group applies it; this one only moves past it. */
  private foreignReplay(message: InboundMessage): boolean {
    const replay = replayOf(message);
    return replay !== null && replay.group !== this.options.groupId;
  }

  private async process(message: Message<string, string, string, string>): Promise<void> {
    const inbound = toInbound(message);
    if (this.foreignReplay(inbound)) {
      await message.commit();
      return;
    }
    const replay = replayOf(inbound);
    const { logger, maxAttempts, backoffMs, isPermanent, isStoreUnavailable, storeBackoffMs } = this.options;
    let storeWaits = 0;
    for (let attempt = 1; ; ) {
      try {
        const applied = await this.options.handle(inbound);
        if (this.options.faults?.applications === 2) {
          // Duplicate mode: the same message again, as a redelivery would bring it.
          await this.options.handle(inbound);
          this.options.faults.countDuplicated(1);
        }
        this.storeAnswered(storeWaits);
        if (applied && applied.occurredAt instanceof Date && !applied.replay) this.latency.record(Date.now() - applied.occurredAt.getTime());
        if (applied) this.options.onApplied?.([fromMessage(applied, inbound)]);
        if (replay) await this.replayApplied(replay.id);
        break;
      } catch (error) {
        const permanent = error instanceof PermanentError || isPermanent?.(error) === true;
        if (!permanent && isStoreUnavailable(error)) {
          // Not the message's fault: wait for the store, spending no try. Stopping leaves the message uncommitted.
          if (this.stopping) throw error;
          storeWaits++;
          this.waitForStore(error, storeWaits, inbound);
          await sleepFor(storeBackoffMs(storeWaits), undefined, { signal: this.stopSignal.signal }).catch(() => undefined);
          if (this.stopping) throw error;
          continue;
        }
        this.storeAnswered(storeWaits);
        storeWaits = 0;
        if (permanent || attempt >= maxAttempts || this.stopping) {
          if (this.stopping && !permanent) throw error;
          await this.deadLetter(inbound, error, attempt, replay?.id);
          break;
        }
        this.stats.retries++;
        logger.warn({ err: error, topic: inbound.topic, partition: inbound.partition, offset: String(inbound.offset), attempt }, 'handler failed; retrying');
        await sleepFor(backoffMs(attempt));
        attempt++;
      }
    }
    await message.commit();
    this.stats.processed++;
    this.stats.lastAppliedAt = new Date().toISOString();
  }

  private waitForStore(error: unknown, waits: number, message: InboundMessage): void {
    const reason = (error as Error)?.message ?? String(error);
    if (this.stats.waitingForStore === null) this.stats.waitingForStore = { since: new Date().toISOString(), error: reason };
    else this.stats.waitingForStore.error = reason;
    // The first wait and then every twentieth: one line per retry would drown the log in a long outage.
    if (waits === 1 || waits % 20 === 0) {
      this.options.logger.warn({ err: error, group: this.options.groupId, topic: message.topic, partition: message.partition, offset: String(message.offset), waits }, 'the store does not answer; the message waits for it (nothing is dead-lettered)');
    }
  }

  private storeAnswered(waits: number): void {
    if (waits === 0 || this.stats.waitingForStore === null) return;
    this.options.logger.info({ group: this.options.groupId, since: this.stats.waitingForStore.since, waits }, 'the store answers again');
    this.stats.waitingForStore = null;
  }

  /** Tells the dead-letter index that a replay was applied here, so its letter leaves the list. */
  private async replayApplied(id: string): Promise<void> {
    const record: DeadLetterReplayRecord = { id, state: 'applied', group: this.options.groupId, at: new Date().toISOString() };
    try {
      await this.deadLetters.send({ messages: [{ topic: topics.deadLetterReplays, key: id, value: JSON.stringify(record) }] });
      this.options.logger.info({ id, group: this.options.groupId }, 'replayed dead letter applied');
    } catch (error) {
      // The change is applied either way; the letter stays listed, and replaying it again changes nothing.
      this.options.logger.warn({ err: error, id }, 'could not record a replayed dead letter as applied');
    }
  }

  private async processBatch(batch: Message<string, string, string, string>[]): Promise<void> {
    let applied: Array<void | AppliedChange | null> = [];
    const inbound = batch.map(toInbound).filter((message) => !this.foreignReplay(message));
    try {
      if (inbound.length > 0) applied = await this.options.handleBatch!(inbound);
      if (inbound.length > 0 && this.options.faults?.applications === 2) {
        await this.options.handleBatch!(inbound);
        this.options.faults.countDuplicated(inbound.length);
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
    for (const message of inbound) {
      const replay = replayOf(message);
      if (replay) await this.replayApplied(replay.id);
    }
    // Committing the last message of a partition commits everything before it.
    const last = new Map<string, Message<string, string, string, string>>();
    for (const message of batch) last.set(`${message.topic}:${message.partition}`, message);
    for (const message of last.values()) await message.commit();
    this.stats.processed += batch.length;
    this.stats.lastAppliedAt = new Date().toISOString();
  }

  private async deadLetter(message: InboundMessage, error: unknown, attempts: number, replayedFrom?: string): Promise<void> {
    const headers = ownHeaders(message.headers);
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
      ...(headers ? { headers } : {}),
      ...(replayedFrom ? { replayOf: replayedFrom } : {}),
    };
    await sendDeadLetter(this.deadLetters, letter);
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
