// The one way anything here waits for a condition: tests waiting for a change
// to arrive, the stack waiting for an engine. It polls `check` until it gives
// a value (anything but undefined, null or false), and fails with what it was
// waiting for and the last error `check` threw, so a timeout says why.

export interface WaitForOptions {
  /** How long to keep trying, in ms (default 15 s). */
  timeoutMs?: number;
  /** Pause between tries, in ms (default 50). */
  intervalMs?: number;
}

export class WaitTimeoutError extends Error {
  readonly what: string;
  readonly timeoutMs: number;
  constructor(what: string, timeoutMs: number, lastError: unknown) {
    const cause = lastError === undefined ? '' : `; last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
    super(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    this.name = 'WaitTimeoutError';
    this.what = what;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Resolves with the first value `check` gives that is not undefined, null or
 * false. A `check` that throws counts as "not yet"; its last error is named in
 * the timeout.
 */
export async function waitFor<T>(what: string, check: () => T | undefined | null | false | Promise<T | undefined | null | false>, options: WaitForOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) throw new WaitTimeoutError(what, timeoutMs, lastError);
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(1, deadline - Date.now()))));
  }
}
