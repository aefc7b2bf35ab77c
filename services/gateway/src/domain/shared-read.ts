// A read that every caller shares for a short while: the last value while it
// is at most maxAgeMs old, else the read running now, else a new read. So N
// concurrent requests cost one read, and a flood costs one read per maxAgeMs
// however many requests it sends. A failed read is not kept: the next caller
// tries again.
/** GET /analytics and the analytics query without a token: full-table counts, so at most one read a second. */
export const ANALYTICS_MAX_AGE_MS = 1000;

export class SharedRead<T> {
  readonly #read: () => Promise<T>;
  readonly #maxAgeMs: number;
  /** The last value, and when its read ended. */
  #latest: { value: T; at: number } | null = null;
  #running: Promise<T> | null = null;
  /** Reads made so far (tests count them). */
  reads = 0;

  constructor(read: () => Promise<T>, maxAgeMs: number) {
    this.#read = read;
    this.#maxAgeMs = maxAgeMs;
  }

  get(maxAgeMs = this.#maxAgeMs): Promise<T> {
    const latest = this.#latest;
    if (latest && Date.now() - latest.at <= maxAgeMs) return Promise.resolve(latest.value);
    if (this.#running) return this.#running;
    this.reads++;
    const running = this.#read()
      .then((value) => {
        this.#latest = { value, at: Date.now() };
        return value;
      })
      .finally(() => {
        this.#running = null;
      });
    this.#running = running;
    return running;
  }

  /** The last value read, however old (null before the first). */
  get latest(): T | null {
    return this.#latest?.value ?? null;
  }
}
