// The graph projection: users (Debezium) and post events (posts relay) → :User
// and :Post nodes. Thin: normalise, plan (pure), apply. The consumer loop gives
// at-least-once delivery; the repository makes every operation idempotent.
import { setTimeout as sleep } from 'node:timers/promises';
import { normalizeMessage, UnparseableMessageError } from '@polyglot/contracts/events';
import { consumerGroups, topics } from '@polyglot/contracts/topics';
import { appliedOf, ConsumerLoop, PermanentError, type AppliedChange, type InboundMessage, type StoreWait } from '@polyglot/platform/kafka';
import type { LatencySummary } from '@polyglot/platform/latency';
import type { Logger } from '@polyglot/platform/logger';
import { ProjectionFaults, type FaultsState } from '@polyglot/platform/projection-faults';
import type { GraphProjectionRepository } from '../data-access/graph-projection.repository.ts';
import { isNeo4jUnavailable } from '../data-access/neo4j.ts';
import { InvalidChangeError, planGraphChange } from '../domain/graph-projection.ts';

/** What the graph projection reads: users (Debezium) and post events. */
export const GRAPH_PROJECTION_TOPICS = [topics.userChanges, topics.postEvents] as const;

export interface ProjectionStatus {
  running: boolean;
  /** Messages not processed yet; null when Kafka does not answer. */
  lag: number | null;
  processed: number;
  deadLettered: number;
  lastAppliedAt: string | null;
  /** Source commit → applied in Neo4j, over the recent messages. */
  latency: LatencySummary | null;
  /** Pause, delay, duplicate set on purpose; absent when the projection is off. */
  faults?: FaultsState;
  /** Set while a message waits for Neo4j to answer again (nothing is dead-lettered meanwhile). */
  waitingForStore?: StoreWait | null;
}

export interface GraphProjectionOptions {
  repository: GraphProjectionRepository;
  /** Called after a change that wrote outbox events (a user's deletion ends their follows). */
  onOutboxWritten?: () => void;
  logger: Logger;
  groupId?: string;
  /** How often a dead or never-started consumer is (re)started. */
  superviseMs?: number;
  /** Told what was applied (to raise the graph projection's watermarks). */
  onApplied?: (changes: AppliedChange[]) => void;
}

export class GraphProjectionConsumer {
  private readonly options: Required<GraphProjectionOptions>;
  private loop: ConsumerLoop | undefined;
  private readonly stopping = new AbortController();
  private supervisor: Promise<void> | undefined;
  // Counters of consumer loops that died and were replaced, so /health keeps counting.
  private readonly previous = { processed: 0, deadLettered: 0 };
  private lastAppliedAt: string | null = null;
  /** Faults on purpose; one for the projection's life, handed to every consumer loop. */
  readonly faults: ProjectionFaults;

  constructor(options: GraphProjectionOptions) {
    this.options = { groupId: consumerGroups.graphProjector, superviseMs: 2000, onOutboxWritten: () => undefined, onApplied: () => undefined, ...options };
    this.faults = new ProjectionFaults(this.options.groupId, options.logger);
  }

  /** Starts consuming in the background; Kafka being down delays it, never fails the process. */
  start(): void {
    this.supervisor = this.supervise();
  }

  private async supervise(): Promise<void> {
    const { logger, superviseMs } = this.options;
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      if (!this.loop?.stats.running) {
        await this.replaceLoop().catch((error: unknown) => logger.warn({ err: error }, 'graph projection could not start; retrying'));
      }
      await sleep(superviseMs, undefined, { signal }).catch(() => undefined);
    }
  }

  private async replaceLoop(): Promise<void> {
    if (this.loop) {
      this.remember(this.loop);
      await this.loop.stop();
      this.loop = undefined;
    }
    const loop = new ConsumerLoop({
      groupId: this.options.groupId,
      topics: GRAPH_PROJECTION_TOPICS,
      logger: this.options.logger,
      startFrom: 'earliest',
      handle: (message) => this.handle(message),
      handleBatch: (messages) => this.handleBatch(messages),
      faults: this.faults,
      onApplied: this.options.onApplied,
      isPermanent: (error) => error instanceof UnparseableMessageError || error instanceof InvalidChangeError,
      // Neo4j down or busy is not the message's fault: the loop waits for it instead of
      // spending the retries and dead-lettering good messages during an outage.
      isStoreUnavailable: isNeo4jUnavailable,
    });
    this.loop = loop;
    try {
      await loop.start();
      // stop() may have run while the consumer was joining its group.
      if (this.stopping.signal.aborted) {
        await loop.stop();
        return;
      }
      this.options.logger.info({ group: this.options.groupId }, 'graph projection consuming');
    } catch (error) {
      this.loop = undefined;
      await loop.stop();
      throw error;
    }
  }

  private remember(loop: ConsumerLoop): void {
    this.previous.processed += loop.stats.processed;
    this.previous.deadLettered += loop.stats.deadLettered;
  }

  /**
   * Several waiting messages in one Neo4j transaction. Any problem (a message that
   * does not parse, Neo4j away) throws, and the loop applies them one by one with
   * `handle`, which dead-letters or waits as usual.
   */
  private async handleBatch(messages: InboundMessage[]): Promise<Array<AppliedChange | null>> {
    const events = messages.map((message) => normalizeMessage(message.topic, message.value));
    const operations = events.map((event) => planGraphChange(event));
    await this.options.repository.applyMany(operations);
    this.lastAppliedAt = new Date().toISOString();
    if (operations.some((ops) => ops.some((op) => op.kind === 'delete-user'))) this.options.onOutboxWritten?.();
    return events.map((event) => (event ? appliedOf(event) : null));
  }

  private async handle(message: InboundMessage): Promise<AppliedChange | null> {
    let event;
    let operations;
    try {
      event = normalizeMessage(message.topic, message.value);
      operations = planGraphChange(event);
    } catch (error) {
      if (error instanceof UnparseableMessageError || error instanceof InvalidChangeError) throw new PermanentError(error.message, { cause: error });
      throw error;
    }
    await this.options.repository.apply(operations);
    this.lastAppliedAt = new Date().toISOString();
    if (operations.some((op) => op.kind === 'delete-user')) this.options.onOutboxWritten?.();
    return event ? appliedOf(event) : null;
  }

  resetLatency(): void {
    this.loop?.latency.reset();
  }

  async status(): Promise<ProjectionStatus> {
    const loop = this.loop;
    let lag: number | null = null;
    if (loop?.stats.running) {
      lag = await Promise.race([loop.lag().catch(() => null), sleep(1000, null)]);
    }
    return {
      running: loop?.stats.running ?? false,
      lag,
      processed: this.previous.processed + (loop?.stats.processed ?? 0),
      deadLettered: this.previous.deadLettered + (loop?.stats.deadLettered ?? 0),
      lastAppliedAt: loop?.stats.lastAppliedAt ?? this.lastAppliedAt,
      latency: loop ? loop.latency.summary() : null,
      faults: this.faults.snapshot(),
      waitingForStore: loop?.stats.waitingForStore ?? null,
    };
  }

  async stop(): Promise<void> {
    const loop = this.loop;
    // The loop wakes a message waiting for Neo4j and leaves it uncommitted, never dead-lettered.
    const stopped = loop?.stop();
    this.stopping.abort();
    await stopped;
    await this.supervisor;
  }
}
