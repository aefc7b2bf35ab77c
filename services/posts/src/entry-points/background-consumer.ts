// Keeps the user cascade's Kafka consumer alive in the background, for the
// life of the process:
// - it tries to start the consumer until Kafka answers: Kafka being down must
//   not keep the HTTP API from serving;
// - once running, a consumer whose stream died (a broker restart ends it; the
//   loop then stops on its own) is replaced, so the cascade resumes from its
//   committed offsets without a restart of the service. Without this, one
//   Kafka restart left deleted users' posts alive until the next restart.
// Counters carry over the replacements, as in the platform's SupervisedProjection.
import type { Logger } from 'pino';
import type { ConsumerLoop, ConsumerLoopStats } from '@polyglot/platform/kafka';

/** What the background consumer needs of a loop (a ConsumerLoop). */
export type SupervisedLoop = Pick<ConsumerLoop, 'start' | 'stop' | 'stats'>;

export interface BackgroundConsumerOptions {
  /** How often a running consumer is checked; a dead one is replaced at the next check. */
  superviseMs?: number;
  /** Wait before start attempt n+1 after n failed ones. */
  retryMs?: (failures: number) => number;
}

export class BackgroundConsumer<L extends SupervisedLoop = ConsumerLoop> {
  #loop: L | null = null;
  #stopping = false;
  #timer: NodeJS.Timeout | undefined;
  #wake: (() => void) | undefined;
  #task: Promise<void> | undefined;
  readonly #previous = { processed: 0, deadLettered: 0, retries: 0, lastAppliedAt: null as string | null };
  readonly #create: () => L;
  readonly #logger: Logger;
  readonly #superviseMs: number;
  readonly #retryMs: (failures: number) => number;

  constructor(create: () => L, logger: Logger, options: BackgroundConsumerOptions = {}) {
    this.#create = create;
    this.#logger = logger;
    this.#superviseMs = options.superviseMs ?? 2000;
    this.#retryMs = options.retryMs ?? ((failures) => Math.min(10_000, 500 * 2 ** failures));
  }

  start(): void {
    this.#task = this.#run();
  }

  /** The consumer running now (null while none is). */
  get loop(): L | null {
    return this.#loop;
  }

  /** The counters since the process started, over every consumer it ran. */
  get stats(): ConsumerLoopStats {
    const current = this.#loop?.stats;
    return {
      running: current?.running ?? false,
      processed: this.#previous.processed + (current?.processed ?? 0),
      deadLettered: this.#previous.deadLettered + (current?.deadLettered ?? 0),
      retries: this.#previous.retries + (current?.retries ?? 0),
      lastAppliedAt: current?.lastAppliedAt ?? this.#previous.lastAppliedAt,
      waitingForStore: current?.waitingForStore ?? null,
    };
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopping) {
      const current = this.#loop;
      if (current && !current.stats.running) {
        // Its stream ended (the loop logged why): keep its counters, release it, start another.
        this.#previous.processed += current.stats.processed;
        this.#previous.deadLettered += current.stats.deadLettered;
        this.#previous.retries += current.stats.retries;
        this.#previous.lastAppliedAt = current.stats.lastAppliedAt ?? this.#previous.lastAppliedAt;
        this.#loop = null;
        await current.stop().catch(() => undefined);
        this.#logger.warn('user cascade consumer stopped running; replacing it');
        continue;
      }
      if (!current) {
        const loop = this.#create();
        try {
          await loop.start();
        } catch (error) {
          await loop.stop().catch(() => undefined);
          if (this.#stopping) return;
          failures++;
          if (failures === 1) this.#logger.error({ err: error }, 'user cascade consumer cannot start (is Kafka up?); retrying in the background');
          await this.#sleep(this.#retryMs(failures));
          continue;
        }
        if (this.#stopping) {
          await loop.stop();
          return;
        }
        this.#loop = loop;
        if (failures > 0) this.#logger.info({ attempts: failures + 1 }, 'user cascade consumer started');
        failures = 0;
      }
      await this.#sleep(this.#superviseMs);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
      this.#timer = setTimeout(resolve, ms);
    });
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#timer);
    this.#wake?.();
    await this.#loop?.stop();
    // An attempt still in progress ends by itself once it sees #stopping.
    await Promise.race([this.#task, new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
  }
}
