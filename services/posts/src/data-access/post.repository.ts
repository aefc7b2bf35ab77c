// Reads and single-document writes of posts. Every read hides tombstones;
// every change is one updateOne guarded by the version it was computed from.
import { ObjectId, type Collection, type Db, type Filter } from 'mongodb';
import { pino, type Logger } from 'pino';
import type { OutboxEvent } from '@polyglot/contracts/events';
import { LivePostIndex } from './live-post-index.ts';
import { markPending, pendingMarkers } from './outbox.repository.ts';
import type { CommentDocument, LivePost, PostChangeSet, PostDocument, PostSummary } from './post-document.ts';
import type { WriteLock } from './write-lock.ts';

const LIVE: Filter<PostDocument> = { deleted: { $ne: true } };

// FerretDB projects neither $size nor $slice; projecting the ids of the
// comments is the portable way to count them without reading their bodies.
const SUMMARY_PROJECTION = { author_id: 1, title: 1, body: 1, tags: 1, meta: 1, createdAt: 1, updatedAt: 1, version: 1, 'comments.id': 1 } as const;

export interface ListFilter {
  /** undefined: every author. */
  authorIds?: number[];
  before?: ObjectId;
  limit: number;
}

export class PostRepository {
  readonly #posts: Collection<PostDocument>;
  readonly #markers: ReturnType<typeof pendingMarkers>;
  readonly #lock: WriteLock;
  readonly #onWritten: (id: ObjectId) => void;
  readonly #index: LivePostIndex;

  /** onWritten: called after each write that appended to a post's outbox (to wake the relay). */
  constructor(db: Db, lock: WriteLock, options: { onWritten?: (id: ObjectId) => void; logger?: Logger } = {}) {
    this.#posts = db.collection<PostDocument>('posts');
    this.#markers = pendingMarkers(db);
    this.#lock = lock;
    this.#onWritten = options.onWritten ?? (() => undefined);
    this.#index = new LivePostIndex(this.#posts, options.logger ?? pino({ level: 'silent' }));
  }

  /** Starts building the index of live posts (see LivePostIndex.warm). */
  warmIndex(): void {
    this.#index.warm();
  }

  /** Best effort: FerretDB creates but does not use secondary indexes; MongoDB does. */
  async ensureIndexes(logger: Logger): Promise<void> {
    await this.#posts.createIndex({ author_id: 1, _id: -1 }).catch((error: unknown) => logger.warn({ err: error }, 'could not create the posts index; reads still work'));
  }

  async insert(post: PostDocument): Promise<void> {
    await this.#posts.insertOne(post);
    this.#index.added(post._id, post.author_id);
    await this.#appended(post._id);
  }

  async findSummary(id: ObjectId): Promise<PostSummary | null> {
    return this.#posts.findOne<PostSummary>({ _id: id, ...LIVE }, { projection: SUMMARY_PROJECTION });
  }

  /** A page from the index of live posts (see live-post-index.ts), each post read by its _id. */
  async list(filter: ListFilter): Promise<{ items: PostSummary[]; total: number }> {
    const page = await this.#index.page(filter);
    const found = await Promise.all(
      page.ids.map((id) => this.#posts.findOne<PostSummary>({ _id: ObjectId.createFromHexString(id), ...LIVE }, { projection: SUMMARY_PROJECTION })),
    );
    // A post deleted between the index read and its lookup is simply left out.
    return { items: found.filter((post): post is PostSummary => post !== null), total: page.total };
  }

  async findComments(id: ObjectId): Promise<CommentDocument[] | null> {
    const post = await this.#posts.findOne<Pick<PostDocument, 'comments'>>({ _id: id, ...LIVE }, { projection: { _id: 0, comments: 1 } });
    return post ? (post.comments ?? []) : null;
  }

  /** The full live post without its outbox: what a writer computes a change from. */
  async findForChange(id: ObjectId): Promise<LivePost | null> {
    return this.#posts.findOne<LivePost>({ _id: id, ...LIVE }, { projection: { outbox: 0 } });
  }

  async liveIdsOfAuthor(authorId: number): Promise<ObjectId[]> {
    const { ids } = await this.#index.page({ limit: Number.MAX_SAFE_INTEGER, authorIds: [authorId] });
    return ids.map((id) => ObjectId.createFromHexString(id));
  }

  /**
   * Applies a change and appends its event in one write, only if nobody
   * changed the post since it was read at `readVersion`. false: retry.
   */
  async commitChange(id: ObjectId, readVersion: number, set: PostChangeSet & Pick<PostDocument, 'updatedAt'>, event: OutboxEvent): Promise<boolean> {
    const result = await this.#posts.updateOne({ _id: id, version: readVersion }, { $set: { ...set, version: readVersion + 1 }, $push: { outbox: event } });
    if (result.modifiedCount === 1 && set.deleted === true) this.#index.removed(id);
    if (result.modifiedCount === 1) await this.#appended(id);
    return result.modifiedCount === 1;
  }

  /** After the post's write, never before: a marker must not name an event that is not stored yet. */
  async #appended(id: ObjectId): Promise<void> {
    try {
      await markPending(this.#markers, id);
    } finally {
      this.#onWritten(id);
    }
  }

  /** Runs fn while no other writer (API or relay) may change this post. */
  withWriteLock<T>(id: ObjectId, fn: () => Promise<T>): Promise<T> {
    return this.#lock.run(`post:${id.toHexString()}`, fn);
  }
}
