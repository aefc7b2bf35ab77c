// The async iterator a subscription resolver returns. A live stream must never
// fall behind its source: at most one value waits for a slow client, and what
// arrives meanwhile is merged into it (changes appended, a report replaced),
// so memory stays bounded and the client always gets the newest state.
//
// return() (the client unsubscribed or the socket closed) ends the iterator at
// once, even while next() is pending, and runs the cleanup: an async generator
// could not, as it only sees return() when it reaches its next yield.
export class LiveChannel<T> implements AsyncIterableIterator<T> {
  readonly #merge: (waiting: T, next: T) => T;
  readonly #cleanup: () => void;
  #waiting: { value: T } | null = null;
  #reader: ((result: IteratorResult<T>) => void) | null = null;
  #ended = false;
  #closing = false;

  constructor(options: { merge: (waiting: T, next: T) => T; cleanup?: () => void }) {
    this.#merge = options.merge;
    this.#cleanup = options.cleanup ?? (() => undefined);
  }

  /** Whether a value still waits for the client (it is slow, or busy with the previous one). */
  get backlogged(): boolean {
    return this.#waiting !== null;
  }

  get ended(): boolean {
    return this.#ended || this.#closing;
  }

  push(value: T): void {
    if (this.ended) return;
    if (this.#reader) {
      const reader = this.#reader;
      this.#reader = null;
      reader({ value, done: false });
      return;
    }
    this.#waiting = this.#waiting ? { value: this.#merge(this.#waiting.value, value) } : { value };
  }

  /** Ends the stream once the waiting value (if any) has been read: the subscription completes. */
  close(): void {
    if (this.ended) return;
    this.#closing = true;
    if (!this.#waiting) this.#end();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#waiting) {
      const { value } = this.#waiting;
      this.#waiting = null;
      if (this.#closing) this.#end();
      return Promise.resolve({ value, done: false });
    }
    if (this.#ended || this.#closing) {
      this.#end();
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve) => {
      this.#reader = resolve;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.#waiting = null;
    this.#end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#closing = false;
    const reader = this.#reader;
    this.#reader = null;
    reader?.({ value: undefined, done: true });
    try {
      this.#cleanup();
    } catch {
      // Cleanup must not break the socket's own teardown.
    }
  }
}
