// The health report, live: one poller for every subscriber, started by the
// first and stopped with the last, so a hundred open dashboards cost one
// round of probes every interval, and none cost nothing.
import type { GatewayHealth } from '@polyglot/contracts/api';
import type { Logger } from '@polyglot/platform/logger';

export const HEALTH_INTERVAL_MS = 2000;

export interface HealthSnapshot {
  healthy: boolean;
  report: GatewayHealth;
  /** When the probes of this report started. */
  checkedAt: string;
}

type Listener = (snapshot: HealthSnapshot) => void;

export class HealthFeed {
  readonly #check: () => Promise<{ healthy: boolean; report: GatewayHealth }>;
  readonly #intervalMs: number;
  readonly #logger: Logger;
  readonly #listeners = new Set<Listener>();
  #latest: HealthSnapshot | null = null;
  #timer: NodeJS.Timeout | undefined;
  /** Bumped by every start and stop, so a round still running from an earlier poller does not schedule another. */
  #generation = 0;
  /** Rounds of probes run so far (tests count them). */
  rounds = 0;

  constructor(check: () => Promise<{ healthy: boolean; report: GatewayHealth }>, logger: Logger, intervalMs = HEALTH_INTERVAL_MS) {
    this.#check = check;
    this.#logger = logger;
    this.#intervalMs = intervalMs;
  }

  get polling(): boolean {
    return this.#listeners.size > 0;
  }

  /** Calls the listener with every report, the latest one at once if there is one. Returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) {
      this.#latest = null;
      void this.#round(++this.#generation);
    } else if (this.#latest) {
      listener(this.#latest);
    }
    return () => {
      if (!this.#listeners.delete(listener) || this.#listeners.size > 0) return;
      this.stop();
    };
  }

  stop(): void {
    this.#listeners.clear();
    this.#generation++;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #round(generation: number): Promise<void> {
    const started = Date.now();
    this.rounds++;
    try {
      const { healthy, report } = await this.#check();
      if (generation !== this.#generation) return;
      this.#latest = { healthy, report, checkedAt: new Date(started).toISOString() };
      for (const listener of this.#listeners) listener(this.#latest);
    } catch (error) {
      // checkHealth reports failures in its body; an exception here is a bug, and must not end the feed.
      this.#logger.error({ err: error }, 'live health round failed');
    }
    if (generation !== this.#generation) return;
    // A fixed rate: a round that took long (a hung component costs up to 2 s) does not push the next one later.
    this.#timer = setTimeout(() => void this.#round(generation), Math.max(0, this.#intervalMs - (Date.now() - started)));
  }
}
