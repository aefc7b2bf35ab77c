// Serialises the writes to one post within this process, the only writer of
// posts (the API and the user-cascade consumer both run here). FerretDB 1.24
// does not make a single-document update atomic: 200 concurrent
// updateOne({_id}, {$inc}) on one document left 36 increments, and of 50
// racing conditional updates {_id, version: 0} → {version: 1}, four won. So
// two writes of one post must never overlap; queuing them here costs no store
// command. On MongoDB the {_id, version} filter of every update is a real
// compare-and-set as well, so a second writer process there would only retry.

export interface WriteLock {
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

/** Runs the functions given for one key one after another, in the order they came; other keys are not held up. */
export class KeyedMutex implements WriteLock {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => current);
    this.#tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
