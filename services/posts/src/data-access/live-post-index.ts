// The ids and authors of every live post, in memory, newest first: what lists
// and feeds page through.
//
// FerretDB 1.24 pushes neither a sort on _id nor a limit with a filter down to
// PostgreSQL: "the newest 50 posts" fetches and sorts every post in Go, and a
// count reads them all again. Among thousands of posts that is about a second
// per list, and lists under load piled up until the store stopped answering.
// With this index a page is its ids from memory plus one lookup by _id per
// post (the one query FerretDB answers from an index).
//
// It is built by one scan, kept up to date by this process's own writes (the
// posts service is the only writer of posts), and rebuilt every ten minutes in
// the background, in case another process wrote too (a second instance, a
// test). Not more often: the scan reads every post through FerretDB, which
// among 21,000 posts kept it at 66% of a core for seconds (measured once a
// minute, it pushed cached reads' p99 from 8 to 64 ms).
import type { Collection, ObjectId } from 'mongodb';
import type { Logger } from 'pino';
import type { PostDocument } from './post-document.ts';

const REFRESH_MS = 600_000;

export interface IndexPage {
  ids: string[];
  /** Live posts in scope, ignoring paging. */
  total: number;
}

export class LivePostIndex {
  readonly #posts: Collection<PostDocument>;
  readonly #logger: Logger;
  /** id (hex) → author_id. */
  #authors = new Map<string, number>();
  /** Ids newest first, rebuilt on the first read after a change. */
  #sorted: string[] | null = null;
  #loaded: Promise<void> | null = null;
  #loadedAt = 0;
  /** Changes made while a scan runs, applied over its result (the scan may have read before them). */
  #pending: Array<{ id: string; authorId: number | null }> | null = null;

  constructor(posts: Collection<PostDocument>, logger: Logger) {
    this.#posts = posts;
    this.#logger = logger;
  }

  added(id: ObjectId, authorId: number): void {
    this.#change(id.toHexString(), authorId);
  }

  removed(id: ObjectId): void {
    this.#change(id.toHexString(), null);
  }

  /**
   * Builds the index now, so the first list after a start does not wait for the scan (about 5 s
   * among 40,000 posts, beyond the gateway's 5 s limit under load). Never rejects: a store that
   * does not answer yet leaves the build to the first list.
   */
  warm(): Promise<void> {
    return this.#ready().catch((error: unknown) => this.#logger.warn({ err: error }, 'could not build the index of live posts yet; the first list tries again'));
  }

  async page(query: { limit: number; before?: ObjectId; authorIds?: readonly number[] }): Promise<IndexPage> {
    await this.#ready();
    const before = query.before?.toHexString();
    const authors = query.authorIds ? new Set(query.authorIds) : null;
    const ids: string[] = [];
    let total = 0;
    // Hex ObjectIds of one length sort as their creation times do.
    for (const id of this.#newestFirst()) {
      if (authors && !authors.has(this.#authors.get(id)!)) continue;
      total++;
      if (before !== undefined && id >= before) continue;
      if (ids.length < query.limit) ids.push(id);
    }
    return { ids, total };
  }

  #change(id: string, authorId: number | null): void {
    if (authorId === null) this.#authors.delete(id);
    else this.#authors.set(id, authorId);
    this.#sorted = null;
    this.#pending?.push({ id, authorId });
  }

  #newestFirst(): string[] {
    this.#sorted ??= [...this.#authors.keys()].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
    return this.#sorted;
  }

  async #ready(): Promise<void> {
    if (this.#loaded === null) {
      this.#loaded = this.#scan().catch((error: unknown) => {
        this.#loaded = null; // the next read tries again
        throw error;
      });
    } else if (Date.now() - this.#loadedAt > REFRESH_MS && this.#pending === null) {
      // Served from the current index meanwhile.
      this.#scan().catch((error: unknown) => this.#logger.warn({ err: error }, 'could not refresh the index of live posts; keeping the current one'));
    }
    await this.#loaded;
  }

  async #scan(): Promise<void> {
    this.#pending = [];
    this.#loadedAt = Date.now();
    try {
      const started = Date.now();
      const rows = await this.#posts.find<{ _id: ObjectId; author_id: number }>({ deleted: { $ne: true } }, { projection: { _id: 1, author_id: 1 } }).toArray();
      const authors = new Map(rows.map((r) => [r._id.toHexString(), r.author_id] as const));
      for (const { id, authorId } of this.#pending) {
        if (authorId === null) authors.delete(id);
        else authors.set(id, authorId);
      }
      this.#authors = authors;
      this.#sorted = null;
      this.#logger.debug({ posts: authors.size, ms: Date.now() - started }, 'index of live posts built');
    } finally {
      this.#pending = null;
    }
  }
}
