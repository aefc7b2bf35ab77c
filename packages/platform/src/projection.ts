// A projection consumer that keeps itself alive, for long-running projectors.
// On top of ConsumerLoop (commit after success, bounded retries for a bad
// message, dead letters, and an outage of the projection's own store waited
// out rather than dead-lettered):
// - a consumer that could not start (Kafka down) or whose stream died is
//   replaced, so the process recovers without a restart;
// - counters and the commit → applied latency survive those replacements.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { ConsumerLoop, fromMessage, type AppliedChange, type InboundMessage, type StoreWait } from './kafka.ts';
import { LatencyWindow, type LatencySummary } from './latency.ts';
import { ProjectionFaults, type FaultsState } from './projection-faults.ts';

export interface ProjectionStatus {
  /** false while the consumer is down (Kafka unreachable); it is restarted on its own. */
  running: boolean;
  /** Messages not projected yet; null when Kafka does not answer. */
  lag: number | null;
  processed: number;
  deadLettered: number;
  lastAppliedAt: string | null;
  /** Milliseconds from the source commit to applied here, over recent messages. */
  latency: LatencySummary;
  /** Pause, delay, duplicate: faults on purpose, off unless an operator set them. */
  faults: FaultsState;
  /** Set while a message waits for the projection's store to answer again (nothing is dead-lettered meanwhile). */
  waitingForStore: StoreWait | null;
}

export interface SupervisedProjectionOptions {
  groupId: string;
  topics: readonly string[];
  logger: Logger;
  /** Applies one message. Returns when the change was committed at its source (for latency), or null when nothing was applied. */
  apply(message: InboundMessage): Promise<AppliedChange | null>;
  /**
   * Optional: applies several waiting messages at once (one statement or transaction).
   * If it throws, the messages are applied one by one with `apply`.
   */
  applyBatch?(messages: InboundMessage[]): Promise<Array<AppliedChange | null>>;
  /** Errors meaning "the projection's store does not answer" (default: ConsumerLoop's, isStoreUnavailable). */
  isStoreUnavailable?: (error: unknown) => boolean;
  startFrom?: 'earliest' | 'latest';
  /** Delay before try n while the store is unavailable (default: ConsumerLoop's). */
  storeBackoffMs?: (attempt: number) => number;
  /** How often a consumer that is not running is replaced. */
  superviseMs?: number;
  /** /health must answer quickly even when Kafka does not. */
  lagTimeoutMs?: number;
  /** Told what was applied, e.g. to raise watermarks; must not throw. */
  onApplied?(changes: AppliedChange[]): void;
}

export class SupervisedProjection {
  private readonly options: SupervisedProjectionOptions & Required<Pick<SupervisedProjectionOptions, 'startFrom' | 'superviseMs' | 'lagTimeoutMs'>>;
  private readonly stopped = new AbortController();
  private readonly latency = new LatencyWindow(20_000);
  /** Faults on purpose; one for the projection's life, handed to every consumer loop. */
  readonly faults: ProjectionFaults;
  private readonly previous = { processed: 0, deadLettered: 0, lastAppliedAt: null as string | null };
  private loop: ConsumerLoop | undefined;
  private supervisor: Promise<void> | undefined;

  constructor(options: SupervisedProjectionOptions) {
    this.options = {
      startFrom: 'earliest',
      superviseMs: 2000,
      lagTimeoutMs: 1500,
      ...options,
    };
    this.faults = new ProjectionFaults(options.groupId, options.logger);
  }

  /** Tries to start the consumer once, then supervises it. Never throws: Kafka being down only delays the projection. */
  async start(): Promise<void> {
    await this.startLoop().catch((error: unknown) => this.options.logger.warn({ err: error, group: this.options.groupId }, 'projection could not start; retrying'));
    this.supervisor = this.supervise();
  }

  resetLatency(): void {
    this.latency.reset();
  }

  get running(): boolean {
    return this.loop?.stats.running ?? false;
  }

  async status(): Promise<ProjectionStatus> {
    const loop = this.loop;
    const running = loop?.stats.running ?? false;
    const lag = running && loop
      ? await Promise.race([
          loop.lag().catch(() => null),
          new Promise<null>((resolve) => setTimeout(() => resolve(null), this.options.lagTimeoutMs).unref()),
        ])
      : null;
    return {
      running,
      lag,
      processed: this.previous.processed + (loop?.stats.processed ?? 0),
      deadLettered: this.previous.deadLettered + (loop?.stats.deadLettered ?? 0),
      lastAppliedAt: loop?.stats.lastAppliedAt ?? this.previous.lastAppliedAt,
      latency: this.latency.summary(),
      faults: this.faults.snapshot(),
      waitingForStore: loop?.stats.waitingForStore ?? null,
    };
  }

  async stop(): Promise<void> {
    // ConsumerLoop.stop() wakes a message waiting for the store and leaves it
    // uncommitted (never dead-lettered), for the next consumer.
    const stopping = this.loop?.stop();
    this.stopped.abort();
    await stopping;
    await this.supervisor;
  }

  private async startLoop(): Promise<void> {
    const { groupId, topics, logger, startFrom, isStoreUnavailable, storeBackoffMs } = this.options;
    const { applyBatch } = this.options;
    const loop = new ConsumerLoop({
      groupId,
      topics,
      logger,
      startFrom,
      faults: this.faults,
      ...(isStoreUnavailable ? { isStoreUnavailable } : {}),
      ...(storeBackoffMs ? { storeBackoffMs } : {}),
      handle: (message) => this.handle(message),
      ...(applyBatch
        ? {
            handleBatch: async (messages: InboundMessage[]) => {
              const applied = await applyBatch(messages);
              const now = Date.now();
              const changes = applied.flatMap((change, i) => (change ? [fromMessage(change, messages[i]!)] : []));
              for (const change of changes) if (!change.replay) this.latency.record(now - change.occurredAt.getTime());
              if (changes.length > 0) this.options.onApplied?.(changes);
              // Latency is recorded here, as for single messages: the loop must not count it again.
              return applied.map(() => null);
            },
          }
        : {}),
    });
    this.loop = loop;
    try {
      await loop.start();
    } catch (error) {
      await loop.stop().catch(() => undefined);
      this.loop = undefined;
      throw error;
    }
    // stop() may have run while the consumer was joining its group.
    if (this.stopped.signal.aborted) await loop.stop();
  }

  private async supervise(): Promise<void> {
    const { logger, groupId, superviseMs } = this.options;
    const signal = this.stopped.signal;
    while (!signal.aborted) {
      await sleep(superviseMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted || this.loop?.stats.running) continue;
      if (this.loop) {
        const { processed, deadLettered, lastAppliedAt } = this.loop.stats;
        this.previous.processed += processed;
        this.previous.deadLettered += deadLettered;
        this.previous.lastAppliedAt = lastAppliedAt ?? this.previous.lastAppliedAt;
        await this.loop.stop().catch(() => undefined);
        this.loop = undefined;
        logger.warn({ group: groupId }, 'projection consumer stopped running; replacing it');
      }
      if (signal.aborted) break;
      await this.startLoop().catch((error: unknown) => logger.warn({ err: error, group: groupId }, 'projection could not start; retrying'));
    }
  }

  private async handle(message: InboundMessage): Promise<void> {
    const applied = await this.options.apply(message);
    if (applied && !applied.replay) this.latency.record(Date.now() - applied.occurredAt.getTime());
    if (applied) this.options.onApplied?.([fromMessage(applied, message)]);
  }
}
