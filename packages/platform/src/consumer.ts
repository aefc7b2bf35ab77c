// The one Kafka consumer of the services: every projection, the posts
// service's user cascade and the dead-letter index run on it.
//
// - At-least-once: a message is committed only after its handler succeeded, with
//   the others handled in the same COMMIT_EVERY_MS.
//   Messages that have already arrived go to the handler together when it
//   takes batches (docs/adr/0009-batched-projections-and-periodic-commits.md); a batch that fails is applied again
//   one by one, so a poisoned message is still isolated.
// - A message that fails for its own sake is tried again with the backoff, then
//   sent to the dead-letter topic with its error, and the partition moves on.
//   A store that does not answer (isStoreUnavailable) is never the message's
//   fault: the message waits for it, however long, and spends no try.
// - Supervised: a consumer that cannot start (Kafka down) or whose stream died
//   (a broker restart ends it) is replaced, with the same backoff, for the life
//   of the process; counters and latency carry over.
// - Faults on purpose (ProjectionFaults: pause, delay, duplicate) are asked
//   before each message or batch.
import { setTimeout as sleep } from 'node:timers/promises';
import { Consumer, stringDeserializers, type Message, type MessagesStream } from '@platformatic/kafka';
import type { Logger } from 'pino';
import { topics as pipelineTopics } from '@polyglot/contracts/topics';
import { retryBackoffMs } from './backoff.ts';
import { isStoreUnavailable } from './errors.ts';
import {
  createProducer,
  ensureTopics,
  fromMessage,
  kafkaBrokers,
  PermanentError,
  REPLAY_HEADERS,
  replayOf,
  sendDeadLetter,
  type AppliedChange,
  type DeadLetter,
  type DeadLetterReplayRecord,
  type InboundMessage,
  type StringProducer,
} from './kafka.ts';
import { LatencyWindow, type LatencySummary } from './latency.ts';
import { traceProcessed } from './message-tracing.ts';
import { ProjectionFaults, type FaultsState } from './projection-faults.ts';

type Received = Message<string, string, string, string>;

/** How long Kafka may hold a fetch when there is nothing new: Kafka's own consumers' default (fetch.max.wait.ms). */
const IDLE_FETCH_WAIT_MS = 500;
/** At most this much per fetch response: a few thousand of these messages (Kafka always returns at least one batch). */
const MAX_FETCH_BYTES = 4 * 1024 * 1024;
/**
 * How long a handled message's offset may wait to be committed, with those handled after it. A commit per
 * message would be a round trip to Kafka and a record in its offsets log for every change in every group; the
 * price is that a crash redelivers up to this much more of what was applied, and every projection is idempotent.
 */
export const COMMIT_EVERY_MS = 200;

/**
 * The tries of a message that fails for its own sake, before it is
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

export interface SupervisedConsumerOptions {
  groupId: string;
  topics: readonly string[];
  logger: Logger;
  /** Applies one message; returns the change it applied (for watermarks and latency), or nothing. */
  handle(message: InboundMessage): Promise<AppliedChange | null | void>;
  /**
   * Applies several waiting messages at once (one store transaction), in order, one result per
   * message. If it throws, the messages are applied one by one with `handle`.
   */
  handleBatch?(messages: InboundMessage[]): Promise<Array<AppliedChange | null | void>>;
  /** Most messages handed to handleBatch at once (default 200). */
  maxBatch?: number;
  /** Errors that no retry can fix (besides PermanentError): dead-lettered at once. */
  isPermanent?: (error: unknown) => boolean;
  /** Told what was applied (a message or a batch), before it is committed, e.g. to raise watermarks; must not throw. */
  onApplied?(changes: AppliedChange[]): void;
  /** Where a group with no committed offset starts (default 'earliest': everything already in the log). */
  startFrom?: 'earliest' | 'latest';
  /**
   * 'committed' (default): resume from the group's commits. 'none': read every topic from its
   * start at each launch and commit nothing, for state kept in memory (the dead-letter index).
   */
  offsets?: 'committed' | 'none';
  /** Tries before a message that fails for its own sake is dead-lettered (default: retryBudget()). */
  maxAttempts?: number;
  /** Bound of the backoff between those tries (default: retryBudget()). */
  maxBackoffMs?: number;
  /** Bound of the backoff while the store does not answer (default 5 s). */
  storeMaxBackoffMs?: number;
  /**
   * This group reports each Debezium capture's span (message-tracing.ts): one group that reads every
   * captured topic does, so each capture appears once in its trace.
   */
  reportsCapture?: boolean;
  /** Bound of the backoff between attempts to start a consumer (default 5 s). */
  restartMaxBackoffMs?: number;
  /** /health must answer quickly even when Kafka does not: the lag is given up after this (default 1 s). */
  lagTimeoutMs?: number;
}

/** A message waiting for its store to answer again: since when, and the store's last error. */
export interface StoreWait {
  since: string;
  error: string;
}

/** What every consumer reports, in its service's /health (the contract's ProjectionHealth). */
export interface ConsumerStatus {
  /** false while no consumer runs (Kafka unreachable); one is started again on its own. */
  running: boolean;
  /**
   * Messages in the log not committed yet, summed over partitions (a handled message is committed within
   * COMMIT_EVERY_MS); null when Kafka does not answer.
   */
  lag: number | null;
  /** Messages handled (dead-lettered ones included); each is committed within COMMIT_EVERY_MS. */
  processed: number;
  /** Tries that failed for the message's own sake (each was retried or dead-lettered); store waits are not counted. */
  failed: number;
  deadLettered: number;
  lastAppliedAt: string | null;
  /** Milliseconds from the source commit to applied here, over recent messages. */
  latency: LatencySummary;
  faults: FaultsState;
  waitingForStore: StoreWait | null;
}

/** One Kafka consumer in its group, from its start until its stream ends. */
interface Incarnation {
  consumer: Consumer<string, string, string, string>;
  stream: MessagesStream<string, string, string, string>;
  running: boolean;
  /** Per partition, the last message handled and not committed yet; committed within COMMIT_EVERY_MS. */
  uncommitted: Map<string, Received>;
  commitTimer?: NodeJS.Timeout | undefined;
  committing?: Promise<void> | undefined;
  /** Made at the first dead letter or applied replay. */
  producer?: StringProducer;
}

type Resolved = SupervisedConsumerOptions & Required<Pick<SupervisedConsumerOptions, 'maxBatch' | 'startFrom' | 'offsets' | 'maxAttempts' | 'maxBackoffMs' | 'storeMaxBackoffMs' | 'restartMaxBackoffMs' | 'lagTimeoutMs'>>;

function toInbound(message: Received): InboundMessage {
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

export class SupervisedConsumer {
  /** Faults on purpose; one for the consumer's life, so a pause survives a consumer being replaced. */
  readonly faults: ProjectionFaults;
  readonly #o: Resolved;
  readonly #latency = new LatencyWindow(20_000);
  readonly #stats = { processed: 0, failed: 0, deadLettered: 0, lastAppliedAt: null as string | null, waitingForStore: null as StoreWait | null };
  // Aborted by stop(): frees a message held by a pause, a delay or a store wait without committing it.
  readonly #stopping = new AbortController();
  #current: Incarnation | undefined;
  #supervisor: Promise<void> | undefined;
  #firstAttempt: Promise<void> = Promise.resolve();

  constructor(options: SupervisedConsumerOptions) {
    const budget = retryBudget();
    this.#o = {
      maxBatch: 200,
      startFrom: 'earliest',
      offsets: 'committed',
      maxAttempts: budget.maxAttempts,
      maxBackoffMs: budget.maxBackoffMs,
      storeMaxBackoffMs: 5000,
      restartMaxBackoffMs: 5000,
      lagTimeoutMs: 1000,
      ...options,
    };
    this.faults = new ProjectionFaults(options.groupId, options.logger);
  }

  /**
   * Starts the consumer and keeps one running until stop(). Resolves after the first attempt,
   * joined or not: it never throws, since Kafka being down only delays the consumer.
   */
  start(): Promise<void> {
    if (!this.#supervisor) {
      let attempted!: () => void;
      this.#firstAttempt = new Promise<void>((resolve) => (attempted = resolve));
      this.#supervisor = this.#supervise(attempted);
    }
    return this.#firstAttempt;
  }

  /** Leaves a message in hand uncommitted (never dead-lettered), for the group's next consumer. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    // Commits what was handled, then ends the stream, so a loop waiting for messages returns; one in a
    // handler finishes it first (and #close commits it).
    if (this.#current) await this.#flushCommits(this.#current);
    await this.#current?.stream.close().catch(() => undefined);
    await this.#supervisor;
  }

  get running(): boolean {
    return this.#current?.running ?? false;
  }

  resetLatency(): void {
    this.#latency.reset();
  }

  async status(): Promise<ConsumerStatus> {
    const current = this.#current;
    const lag = current?.running ? await Promise.race([this.#lag(current).catch(() => null), sleep(this.#o.lagTimeoutMs, null, { ref: false })]) : null;
    return {
      running: current?.running ?? false,
      lag,
      processed: this.#stats.processed,
      failed: this.#stats.failed,
      deadLettered: this.#stats.deadLettered,
      lastAppliedAt: this.#stats.lastAppliedAt,
      latency: this.#latency.summary(),
      faults: this.faults.snapshot(),
      waitingForStore: this.#stats.waitingForStore && { ...this.#stats.waitingForStore },
    };
  }

  async #supervise(attempted: () => void): Promise<void> {
    const { logger, groupId, restartMaxBackoffMs } = this.#o;
    const signal = this.#stopping.signal;
    let failures = 0;
    while (!signal.aborted) {
      let incarnation: Incarnation;
      try {
        incarnation = await this.#open();
      } catch (error) {
        failures++;
        // The first failure and then every tenth: one line per attempt would drown the log in a long outage.
        if (failures === 1 || failures % 10 === 0) logger.warn({ err: error, group: groupId, failures }, 'consumer cannot start (is Kafka up?); retrying');
        attempted();
        await sleep(retryBackoffMs(failures, restartMaxBackoffMs), undefined, { signal }).catch(() => undefined);
        continue;
      }
      this.#current = incarnation;
      if (failures > 0) logger.info({ group: groupId, attempts: failures + 1 }, 'consumer started');
      attempted();
      // stop() may have run while the consumer was joining its group: #run returns at once then.
      if (!signal.aborted) await this.#run(incarnation);
      await this.#close(incarnation);
      if (signal.aborted) break;
      // Its stream ended (#run logged why): another consumer resumes from the committed offsets.
      failures = 1;
      logger.warn({ group: groupId }, 'consumer stopped running; replacing it');
      await sleep(retryBackoffMs(failures, restartMaxBackoffMs), undefined, { signal }).catch(() => undefined);
    }
    attempted();
  }

  async #open(): Promise<Incarnation> {
    const { groupId, topics, startFrom, offsets } = this.#o;
    await ensureTopics([...new Set([...topics, pipelineTopics.deadLetters, pipelineTopics.deadLetterReplays])]);
    const consumer = new Consumer({
      clientId: groupId,
      groupId,
      bootstrapBrokers: kafkaBrokers(),
      deserializers: stringDeserializers,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 10_000,
    });
    try {
      const stream = await consumer.consume({
        topics: [...topics],
        autocommit: false,
        ...(offsets === 'none' ? { mode: 'earliest' as const } : { mode: 'committed' as const, fallbackMode: startFrom }),
        // Kafka answers a fetch as soon as a message arrives (minBytes 1), so this wait costs no latency: it only
        // sets how often an idle consumer asks again (at 50 ms, 20 fetches a second each, and Kafka answering them).
        // A stop waits for the fetch in flight, so at most this long.
        maxWaitTime: IDLE_FETCH_WAIT_MS,
        // One fetch holds at most this much (the library's default is 50 MB per partition): a consumer catching up
        // on a backlog takes it in steps, and the process does not keep the memory of one huge response.
        maxBytes: MAX_FETCH_BYTES,
        maxBytesPerPartition: MAX_FETCH_BYTES,
      });
      return { consumer, stream, running: true, uncommitted: new Map() };
    } catch (error) {
      await consumer.close(true).catch(() => undefined);
      throw error;
    }
  }

  async #close(incarnation: Incarnation): Promise<void> {
    incarnation.running = false;
    // What was handled is committed before the consumer goes (after a stream that died this may fail, and
    // the group's next consumer applies those messages again, which changes nothing).
    await this.#flushCommits(incarnation);
    await incarnation.stream.close().catch(() => undefined);
    await incarnation.consumer.close(true).catch(() => undefined);
    await incarnation.producer?.close().catch(() => undefined);
  }

  async #run(incarnation: Incarnation): Promise<void> {
    const { stream } = incarnation;
    const signal = this.#stopping.signal;
    const iterator = stream[Symbol.asyncIterator]();
    try {
      for (;;) {
        const first = await iterator.next();
        if (first.done || signal.aborted) break;
        // Paused or delayed on purpose: hold the message in hand, uncommitted, and fetch no more
        // (the stream stops fetching once its buffer is full), so the backlog shows as lag.
        if (this.faults.active) {
          try {
            await this.faults.beforeApply(signal);
          } catch {
            break;
          }
        }
        const batch = [first.value as Received];
        // Take what has already arrived, without waiting for more: under load, batches grow by themselves.
        while (this.#o.handleBatch && batch.length < this.#o.maxBatch && stream.readableLength > 0) {
          const next = await iterator.next();
          if (next.done) break;
          batch.push(next.value as Received);
        }
        if (batch.length > 1) await this.#processBatch(incarnation, batch);
        else await this.#process(incarnation, batch[0]!);
      }
    } catch (error) {
      if (!signal.aborted) this.#o.logger.error({ err: error, group: this.#o.groupId }, 'consumer stream failed');
    } finally {
      incarnation.running = false;
    }
  }

  /** A replay meant for another group: that group applies it; this one only moves past it. */
  #foreignReplay(message: InboundMessage): boolean {
    const replay = replayOf(message);
    return replay !== null && replay.group !== this.#o.groupId;
  }

  /** Marks a handled message for the next commit of its partition (committing it commits everything before it). */
  #commit(incarnation: Incarnation, message: Received): void {
    if (this.#o.offsets !== 'committed') return;
    incarnation.uncommitted.set(`${message.topic}:${message.partition}`, message);
    incarnation.commitTimer ??= setTimeout(() => void this.#flushCommits(incarnation), COMMIT_EVERY_MS);
  }

  /** Commits what was handled, one offset per partition; the library sends them in one request or two. */
  async #flushCommits(incarnation: Incarnation): Promise<void> {
    clearTimeout(incarnation.commitTimer);
    incarnation.commitTimer = undefined;
    // One commit at a time, and a caller waits for the one before it too.
    while (incarnation.committing) await incarnation.committing;
    if (incarnation.uncommitted.size === 0) return;
    const messages = [...incarnation.uncommitted.values()];
    incarnation.uncommitted.clear();
    const committing = Promise.all(messages.map((message) => message.commit()))
      .then(() => undefined)
      .catch((error: unknown) => {
        // A rebalance or a broker restart: those messages are applied again by whoever gets their partition.
        this.#o.logger.warn({ err: error, group: this.#o.groupId }, 'could not commit the handled offsets; their messages will be delivered again');
      })
      .finally(() => {
        incarnation.committing = undefined;
      });
    incarnation.committing = committing;
    await committing;
  }

  async #process(incarnation: Incarnation, message: Received): Promise<void> {
    const inbound = toInbound(message);
    if (this.#foreignReplay(inbound)) {
      this.#commit(incarnation, message);
      return;
    }
    const replay = replayOf(inbound);
    const { maxAttempts, maxBackoffMs, storeMaxBackoffMs, isPermanent, logger } = this.#o;
    const signal = this.#stopping.signal;
    const startedAt = Date.now();
    let outcome: { applied?: AppliedChange | null | void; error?: unknown } = {};
    let storeWaits = 0;
    for (let attempt = 1; ; ) {
      try {
        const applied = await this.#o.handle(inbound);
        outcome = { applied };
        if (this.faults.applications === 2) {
          // Duplicate mode: the same message again, as a redelivery would bring it.
          await this.#o.handle(inbound);
          this.faults.countDuplicated(1);
        }
        this.#storeAnswered(storeWaits);
        if (applied) this.#applied([fromMessage(applied, inbound)]);
        if (replay) await this.#replayApplied(incarnation, replay.id);
        break;
      } catch (error) {
        const permanent = error instanceof PermanentError || isPermanent?.(error) === true;
        if (!permanent && isStoreUnavailable(error)) {
          // Not the message's fault: wait for the store, spending no try. Stopping leaves the message uncommitted.
          if (signal.aborted) throw error;
          storeWaits++;
          this.#waitForStore(error, storeWaits, inbound);
          await sleep(retryBackoffMs(storeWaits, storeMaxBackoffMs), undefined, { signal }).catch(() => undefined);
          if (signal.aborted) throw error;
          continue;
        }
        this.#storeAnswered(storeWaits);
        storeWaits = 0;
        if (signal.aborted && !permanent) throw error;
        this.#stats.failed++;
        if (permanent || attempt >= maxAttempts) {
          await this.#deadLetter(incarnation, inbound, error, attempt, replay?.id);
          outcome = { error };
          break;
        }
        logger.warn({ err: error, topic: inbound.topic, partition: inbound.partition, offset: String(inbound.offset), attempt }, 'handler failed; retrying');
        await sleep(retryBackoffMs(attempt, maxBackoffMs), undefined, { signal }).catch(() => undefined);
        attempt++;
      }
    }
    this.#commit(incarnation, message);
    this.#stats.processed++;
    this.#stats.lastAppliedAt = new Date().toISOString();
    traceProcessed(this.#o.groupId, [{ message: inbound, ...outcome }], startedAt, this.#o);
  }

  async #processBatch(incarnation: Incarnation, batch: Received[]): Promise<void> {
    const handleBatch = this.#o.handleBatch!;
    let applied: Array<AppliedChange | null | void> = [];
    const startedAt = Date.now();
    const inbound = batch.map(toInbound).filter((message) => !this.#foreignReplay(message));
    try {
      if (inbound.length > 0) applied = await handleBatch(inbound);
      if (inbound.length > 0 && this.faults.applications === 2) {
        await handleBatch(inbound);
        this.faults.countDuplicated(inbound.length);
      }
    } catch (error) {
      if (this.#stopping.signal.aborted) throw error;
      this.#o.logger.debug({ err: error, size: batch.length }, 'batch failed; applying its messages one by one');
      for (const message of batch) await this.#process(incarnation, message);
      return;
    }
    const changes = applied.flatMap((change, i) => (change ? [fromMessage(change, inbound[i]!)] : []));
    if (changes.length > 0) this.#applied(changes);
    for (const message of inbound) {
      const replay = replayOf(message);
      if (replay) await this.#replayApplied(incarnation, replay.id);
    }
    for (const message of batch) this.#commit(incarnation, message);
    this.#stats.processed += batch.length;
    this.#stats.lastAppliedAt = new Date().toISOString();
    traceProcessed(this.#o.groupId, inbound.map((message, i) => ({ message, applied: applied[i] })), startedAt, this.#o);
  }

  /** Latency of what was applied (a replay's age is not the pipeline's), then the owner's hook. */
  #applied(changes: AppliedChange[]): void {
    const now = Date.now();
    for (const change of changes) if (!change.replay && change.occurredAt instanceof Date) this.#latency.record(now - change.occurredAt.getTime());
    this.#o.onApplied?.(changes);
  }

  #waitForStore(error: unknown, waits: number, message: InboundMessage): void {
    const reason = (error as Error)?.message ?? String(error);
    if (this.#stats.waitingForStore === null) this.#stats.waitingForStore = { since: new Date().toISOString(), error: reason };
    else this.#stats.waitingForStore.error = reason;
    // The first wait and then every twentieth: one line per retry would drown the log in a long outage.
    if (waits === 1 || waits % 20 === 0) {
      this.#o.logger.warn({ err: error, group: this.#o.groupId, topic: message.topic, partition: message.partition, offset: String(message.offset), waits }, 'the store does not answer; the message waits for it (nothing is dead-lettered)');
    }
  }

  #storeAnswered(waits: number): void {
    if (waits === 0 || this.#stats.waitingForStore === null) return;
    this.#o.logger.info({ group: this.#o.groupId, since: this.#stats.waitingForStore.since, waits }, 'the store answers again');
    this.#stats.waitingForStore = null;
  }

  #producer(incarnation: Incarnation): StringProducer {
    incarnation.producer ??= createProducer(`${this.#o.groupId}-dead-letters`);
    return incarnation.producer;
  }

  /** Tells the dead-letter index that a replay was applied here, so its letter leaves the list. */
  async #replayApplied(incarnation: Incarnation, id: string): Promise<void> {
    const record: DeadLetterReplayRecord = { id, state: 'applied', group: this.#o.groupId, at: new Date().toISOString() };
    try {
      await this.#producer(incarnation).send({ messages: [{ topic: pipelineTopics.deadLetterReplays, key: id, value: JSON.stringify(record) }] });
      this.#o.logger.info({ id, group: this.#o.groupId }, 'replayed dead letter applied');
    } catch (error) {
      // The change is applied either way; the letter stays listed, and replaying it again changes nothing.
      this.#o.logger.warn({ err: error, id }, 'could not record a replayed dead letter as applied');
    }
  }

  async #deadLetter(incarnation: Incarnation, message: InboundMessage, error: unknown, attempts: number, replayedFrom?: string): Promise<void> {
    const headers = ownHeaders(message.headers);
    const letter: DeadLetter = {
      group: this.#o.groupId,
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
    await sendDeadLetter(this.#producer(incarnation), letter);
    this.#stats.deadLettered++;
    this.#o.logger.error({ topic: message.topic, partition: message.partition, offset: letter.offset, error: letter.error, attempts }, 'message sent to the dead-letter topic');
  }

  async #lag(incarnation: Incarnation): Promise<number> {
    const offsets = await incarnation.consumer.getLag({ topics: [...this.#o.topics] });
    let total = 0n;
    for (const partitions of offsets.values()) for (const lag of partitions) if (lag > 0n) total += lag;
    return Number(total);
  }
}
