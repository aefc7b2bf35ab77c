// Reads and single-document writes of posts. Every read hides deleted posts;
// every change is one updateOne guarded by the version it was computed from,
// which also sets the change's event (lastEvent) for Debezium to read from the
// store's log. No other command: no outbox, no markers, no lock document.
import { ObjectId, type Collection, type Db, type Filter } from 'mongodb';
import { pino, type Logger } from 'pino';
import type { OutboxEvent } from '@polyglot/contracts/events';
import { LivePostIndex } from './live-post-index.ts';
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
  readonly #lock: WriteLock;
  readonly #index: LivePostIndex;

  constructor(db: Db, lock: WriteLock, options: { logger?: Logger } = {}) {
    this.#posts = db.collection<PostDocument>('posts');
    this.#lock = lock;
    this.#index = new LivePostIndex(this.#posts, options.logger ?? pino({ level: 'silent' }));
  }

  /** Starts building the index of live posts (see LivePostIndex.warm). */
  warmIndex(): Promise<void> {
    return this.#index.warm();
  }

  /** Best effort: FerretDB creates but does not use secondary indexes; MongoDB does. */
  async ensureIndexes(logger: Logger): Promise<void> {
    await this.#posts.createIndex({ author_id: 1, _id: -1 }).catch((error: unknown) => logger.warn({ err: error }, 'could not create the posts index; reads still work'));
  }

  async insert(post: PostDocument): Promise<void> {
    await this.#posts.insertOne(post);
    this.#index.added(post._id, post.author_id);
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

  /** The full live post without its event: what a writer computes a change from. */
  async findForChange(id: ObjectId): Promise<LivePost | null> {
    return this.#posts.findOne<LivePost>({ _id: id, ...LIVE }, { projection: { lastEvent: 0, outbox: 0 } });
  }

  async liveIdsOfAuthor(authorId: number): Promise<ObjectId[]> {
    const { ids } = await this.#index.page({ limit: Number.MAX_SAFE_INTEGER, authorIds: [authorId] });
    return ids.map((id) => ObjectId.createFromHexString(id));
  }

  /**
   * Applies a change and sets its event in one write, only if nobody changed the post since it was
   * read at `readVersion`. false: retry. A deletion's version is removed right after it is written:
   * its event is in the log already, and the row would only be a tombstone to skip.
   */
  async commitChange(id: ObjectId, readVersion: number, set: PostChangeSet & Pick<PostDocument, 'updatedAt'>, event: OutboxEvent): Promise<boolean> {
    const version = readVersion + 1;
    const result = await this.#posts.updateOne({ _id: id, version: readVersion }, { $set: { ...set, version, lastEvent: event } });
    if (result.modifiedCount !== 1) return false;
    if (set.deleted === true) {
      this.#index.removed(id);
      await this.#posts.deleteOne({ _id: id, version });
    }
    return true;
  }

  /** Runs fn while no other writer in this process may change this post. */
  withWriteLock<T>(id: ObjectId, fn: () => Promise<T>): Promise<T> {
    return this.#lock.run(`post:${id.toHexString()}`, fn);
  }
}
