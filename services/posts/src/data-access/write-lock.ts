// Serialises the writes to one post. On MongoDB the {_id, version} filter of
// every update is a real compare-and-set, so an in-process mutex only saves
// retries. FerretDB 1.24 (SQLite) reads, modifies and rewrites a document
// without isolation: concurrent updates that match the same version all
// "succeed" and overwrite each other (even plain $inc loses increments). Its
// inserts do honour the unique _id, so there a lock document, inserted before
// and deleted after the write, excludes the API's writers and the relay alike.
import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { Logger } from 'pino';
import { AppError } from '@polyglot/platform/errors';

export type WriteLockMode = 'auto' | 'store' | 'off';

export interface WriteLock {
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

interface LockDocument {
  _id: string;
  owner: string;
  expiresAt: Date;
}

/** Longer than any single write may take (socketTimeoutMS 5 s): only a crashed holder's lock expires. */
const LOCK_TTL_MS = 10_000;
const ACQUIRE_TIMEOUT_MS = 5_000;
const DUPLICATE_KEY = 11000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class KeyedMutex {
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

class StoreLock {
  readonly #locks: Collection<LockDocument>;
  readonly #logger: Logger;

  constructor(db: Db, logger: Logger) {
    this.#locks = db.collection<LockDocument>('posts_write_locks');
    this.#logger = logger;
  }

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const owner = await this.#acquire(key);
    try {
      return await fn();
    } finally {
      // A lock that cannot be removed now expires after LOCK_TTL_MS.
      await this.#locks.deleteOne({ _id: key, owner }).catch((error: unknown) => this.#logger.warn({ err: error, key }, 'could not release a post write lock'));
    }
  }

  async #acquire(key: string): Promise<string> {
    const owner = randomUUID();
    const deadline = Date.now() + ACQUIRE_TIMEOUT_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#locks.insertOne({ _id: key, owner, expiresAt: new Date(Date.now() + LOCK_TTL_MS) });
        return owner;
      } catch (error) {
        if ((error as { code?: number }).code !== DUPLICATE_KEY) throw error;
      }
      const held = await this.#locks.findOne({ _id: key });
      if (held && held.expiresAt.getTime() < Date.now()) {
        this.#logger.warn({ key, owner: held.owner }, 'removing an expired post write lock (its holder stopped mid-write)');
        await this.#locks.deleteOne({ _id: key, owner: held.owner });
        continue;
      }
      if (Date.now() > deadline) {
        throw new AppError('STORE_UNAVAILABLE', `the post is being changed by another writer for too long (${key}); try again shortly`, { key });
      }
      await sleep(Math.random() * Math.min(50, 2 ** attempt));
    }
  }
}

export function createWriteLock(db: Db, mode: WriteLockMode, logger: Logger): WriteLock {
  const mutex = new KeyedMutex();
  const storeLock = new StoreLock(db, logger);
  let detected: Promise<boolean> | undefined;

  const storeLockNeeded = (): Promise<boolean> => {
    if (mode !== 'auto') return Promise.resolve(mode === 'store');
    detected ??= db
      .admin()
      .command({ buildInfo: 1 })
      .then((info) => {
        const ferret = 'ferretdbVersion' in info;
        logger.info({ ferretdb: ferret }, ferret ? 'store is FerretDB: post writes take a lock document' : 'store is MongoDB: post writes rely on the version filter');
        return ferret;
      })
      .catch((error: unknown) => {
        detected = undefined; // ask again once the store answers
        throw error;
      });
    return detected;
  };

  return {
    run: (key, fn) =>
      mutex.run(key, async () => {
        if (await storeLockNeeded()) return storeLock.run(key, fn);
        return fn();
      }),
  };
}
