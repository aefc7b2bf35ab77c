// Faults on purpose for one projection: pause, delay, duplicate. One object per
// projection, outliving the consumer loops that come and go under it, so a
// pause survives a consumer being replaced. The consumer loop asks it before
// each message or batch; nothing here commits or skips anything.
//
// - paused: the loop holds the message it has in hand and fetches no more;
//   the consumer stays in its group (heartbeats go on), nothing is committed,
//   so the backlog shows as consumer lag and drains on resume.
// - delayMs: a wait before each message or batch is applied (added latency).
// - duplicate: each message or batch is applied twice, to prove the handlers
//   idempotent: the stores must end identical, the analytics gain no row.
import type { Logger } from 'pino';
import type { ProjectionFaults as FaultsState, ProjectionFaultsChange } from '@polyglot/contracts/faults';

export type { FaultsState, ProjectionFaultsChange };

export class ProjectionFaults {
  private paused = false;
  private pausedSince: string | null = null;
  private delayMs = 0;
  private duplicate = false;
  private duplicatedCount = 0;
  // Loops waiting in beforeApply, woken by every change; each also gives up when its loop stops.
  private readonly waiters = new Set<() => void>();
  private readonly logger: Logger | undefined;
  private readonly name: string;

  constructor(name: string, logger?: Logger) {
    this.name = name;
    this.logger = logger;
  }

  snapshot(): FaultsState {
    return { paused: this.paused, pausedSince: this.pausedSince, delayMs: this.delayMs, duplicate: this.duplicate, duplicated: this.duplicatedCount };
  }

  /** Applies the given fields only; logs what changed. */
  change(change: ProjectionFaultsChange): FaultsState {
    const before = this.snapshot();
    if (change.delayMs !== undefined) this.delayMs = change.delayMs;
    if (change.duplicate !== undefined) this.duplicate = change.duplicate;
    if (change.paused === true && !this.paused) {
      this.paused = true;
      this.pausedSince = new Date().toISOString();
    } else if (change.paused === false && this.paused) {
      this.paused = false;
      this.pausedSince = null;
    }
    const after = this.snapshot();
    for (const wake of [...this.waiters]) wake();
    if (before.paused !== after.paused || before.delayMs !== after.delayMs || before.duplicate !== after.duplicate) {
      this.logger?.info({ projection: this.name, faults: { paused: after.paused, delayMs: after.delayMs, duplicate: after.duplicate }, before: { paused: before.paused, delayMs: before.delayMs, duplicate: before.duplicate } }, 'projection fault controls changed');
    }
    return after;
  }

  /** false when nothing holds, slows or repeats the projection (the usual case: no wait at all). */
  get active(): boolean {
    return this.paused || this.delayMs > 0 || this.duplicate;
  }

  /** true while a loop holds a message in hand, waiting on a pause or a delay (a test's readiness signal). */
  get holding(): boolean {
    return this.waiters.size > 0;
  }

  /** How many times to apply what is in hand: 2 in duplicate mode. */
  get applications(): 1 | 2 {
    return this.duplicate ? 2 : 1;
  }

  countDuplicated(messages: number): void {
    this.duplicatedCount += messages;
  }

  /**
   * Waits while paused, then the delay (counted from the resume). A change of
   * the controls is seen at once: lowering the delay or resuming frees the
   * message in hand. Rejects with the signal's reason when the loop stops, so
   * that message stays uncommitted.
   */
  async beforeApply(signal: AbortSignal): Promise<void> {
    let since = Date.now();
    for (;;) {
      signal.throwIfAborted();
      if (this.paused) {
        await this.nextChange(signal);
        since = Date.now();
        continue;
      }
      const remaining = this.delayMs - (Date.now() - since);
      if (remaining <= 0) return;
      await this.nextChange(signal, remaining);
    }
  }

  /** Resolves on the next change of the controls (or after timeoutMs); rejects when the signal aborts. */
  private nextChange(signal: AbortSignal, timeoutMs?: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (error?: unknown) => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        signal.removeEventListener('abort', abort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const wake = () => finish();
      const abort = () => finish(signal.reason ?? new Error('stopped'));
      this.waiters.add(wake);
      signal.addEventListener('abort', abort, { once: true });
      if (timeoutMs !== undefined) timer = setTimeout(wake, timeoutMs);
    });
  }
}
