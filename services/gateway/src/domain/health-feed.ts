// The one health report of the gateway. GET /health and the health query
// answer from the latest report while it is at most HEALTH_MAX_AGE_MS old, and
// requests that come while a round of probes runs wait for that round: a
// thousand requests a second cost one round a second. Live: one poller for
// every subscriber, started by the first and stopped with the last, so a
// hundred open dashboards cost one round of probes every interval, and none
// cost nothing.
import type { GatewayHealth } from '@polyglot/contracts/api';
import type { Logger } from '@polyglot/platform/logger';
import { SharedRead } from './shared-read.ts';

export const HEALTH_INTERVAL_MS = 2000;
/** /health and the health query: a report at most this old (from the end of its round) is answered again. */
export const HEALTH_MAX_AGE_MS = 1000;

export interface HealthSnapshot {
  healthy: boolean;
  report: GatewayHealth;
  /** When the probes of this report started. */
  checkedAt: string;
}

type Listener = (snapshot: HealthSnapshot) => void;

export class HealthFeed {
  readonly #rounds: SharedRead<HealthSnapshot>;
  readonly #intervalMs: number;
  readonly #maxAgeMs: number;
  readonly #logger: Logger;
  readonly #listeners = new Set<Listener>();
  #timer: NodeJS.Timeout | undefined;
  /** Bumped by every start and stop, so a round still running from an earlier poller does not schedule another. */
  #generation = 0;

  constructor(check: () => Promise<{ healthy: boolean; report: GatewayHealth }>, logger: Logger, intervalMs = HEALTH_INTERVAL_MS, maxAgeMs = HEALTH_MAX_AGE_MS) {
    this.#rounds = new SharedRead(async () => {
      const started = new Date().toISOString();
      const { healthy, report } = await check();
      return { healthy, report, checkedAt: started };
    }, maxAgeMs);
    this.#logger = logger;
    this.#intervalMs = intervalMs;
    this.#maxAgeMs = maxAgeMs;
  }

  /** Rounds of probes run so far (tests count them). */
  get rounds(): number {
    return this.#rounds.reads;
  }

  /** The latest report if it is at most maxAgeMs old (from the end of its round), else the round running now, else a new round. */
  current(maxAgeMs = this.#maxAgeMs): Promise<HealthSnapshot> {
    return this.#rounds.get(maxAgeMs);
  }

  get polling(): boolean {
    return this.#listeners.size > 0;
  }

  /** Calls the listener with every report, the latest one at once if there is one. Returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) {
      void this.#round(++this.#generation);
    } else if (this.#rounds.latest) {
      listener(this.#rounds.latest);
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
    try {
      // A report /health just fetched serves the subscribers too, if it is recent enough for this interval.
      const snapshot = await this.current(Math.min(this.#maxAgeMs, this.#intervalMs / 2));
      if (generation !== this.#generation) return;
      for (const listener of this.#listeners) listener(snapshot);
    } catch (error) {
      // checkHealth reports failures in its body; an exception here is a bug, and must not end the feed.
      this.#logger.error({ err: error }, 'live health round failed');
    }
    if (generation !== this.#generation) return;
    // A fixed rate: a round that took long (a hung component costs up to 2 s) does not push the next one later.
    this.#timer = setTimeout(() => void this.#round(generation), Math.max(0, this.#intervalMs - (Date.now() - started)));
  }
}
