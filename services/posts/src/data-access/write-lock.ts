// Serialises the writes to one post within this process, the only writer of
// posts (the API and the user-cascade consumer both run here). FerretDB 1.24
// does not make a single-document update atomic, on its PostgreSQL backend as
// on any: it reads the document, applies the update in its own process and
// writes the whole document back by _id, without checking that the row is
// unchanged since it read it, so concurrent updates of one post overwrite each
// other and a {_id, version} filter is no compare-and-set
// (docs/adr/0004-ferretdb-on-postgresql.md). So two writes of one post must
// never overlap; queuing them here costs no store command. On MongoDB the
// {_id, version} filter of every update is a real compare-and-set as well, so a
// second writer process there would only retry.

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
