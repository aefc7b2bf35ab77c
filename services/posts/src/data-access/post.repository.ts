// Reads and single-document writes of posts. Every read hides deleted posts;
// every change is one updateOne guarded by the version it was computed from,
// which also sets the change's event (lastEvent) for Debezium to read from the
// store's log. No other command: no outbox, no markers, no lock document.
import { MongoBulkWriteError, ObjectId, type Collection, type Db, type Filter } from 'mongodb';
import type { Logger } from 'pino';
import type { OutboxEvent } from '@polyglot/contracts/events';
import { storeWrite } from '@polyglot/platform/tracing';
import type { CommentDocument, LivePost, PostChangeSet, PostDocument, PostSummary } from './post-document.ts';
import type { WriteLock } from './write-lock.ts';

const LIVE: Filter<PostDocument> = { deleted: { $ne: true } };
const DUPLICATE_KEY = 11000;

// FerretDB projects neither $size nor $slice; projecting the ids of the
// comments is the portable way to count them without reading their bodies.
const SUMMARY_PROJECTION = { author_id: 1, title: 1, body: 1, tags: 1, meta: 1, createdAt: 1, updatedAt: 1, version: 1, 'comments.id': 1 } as const;

export class PostRepository {
  readonly #posts: Collection<PostDocument>;
  readonly #lock: WriteLock;

  constructor(db: Db, lock: WriteLock) {
    this.#posts = db.collection<PostDocument>('posts');
    this.#lock = lock;
  }

  /** Best effort: FerretDB creates but does not use secondary indexes; MongoDB does. */
  async ensureIndexes(logger: Logger): Promise<void> {
    await this.#posts.createIndex({ author_id: 1, _id: -1 }).catch((error: unknown) => logger.warn({ err: error }, 'could not create the posts index; reads still work'));
  }

  async insert(post: PostDocument): Promise<void> {
    await storeWrite('mongodb', 'insert', 'posts', () => this.#posts.insertOne(post));
  }

  /** The seed's bulk path: one insert for the batch; an id already there is left as it is (a resumed seed). */
  async insertMany(posts: readonly PostDocument[]): Promise<number> {
    try {
      return (await this.#posts.insertMany([...posts], { ordered: false })).insertedCount;
    } catch (error) {
      const duplicatesOnly = error instanceof MongoBulkWriteError && [error.writeErrors].flat().every((e) => e.code === DUPLICATE_KEY);
      if (!duplicatesOnly) throw error;
      return error.result.insertedCount;
    }
  }

  async findSummary(id: ObjectId): Promise<PostSummary | null> {
    return this.#posts.findOne<PostSummary>({ _id: id, ...LIVE }, { projection: SUMMARY_PROJECTION });
  }

  /**
   * The live posts among ids, in no particular order (a deleted or unknown id is left out). One lookup by _id
   * each, concurrently: the one query FerretDB answers from an index (an $in is read from every post).
   */
  async findSummaries(ids: readonly ObjectId[]): Promise<PostSummary[]> {
    const found = await Promise.all(ids.map((id) => this.findSummary(id)));
    return found.filter((post): post is PostSummary => post !== null);
  }

  async findComments(id: ObjectId): Promise<CommentDocument[] | null> {
    const post = await this.#posts.findOne<Pick<PostDocument, 'comments'>>({ _id: id, ...LIVE }, { projection: { _id: 0, comments: 1 } });
    return post ? (post.comments ?? []) : null;
  }

  /** The full live post without its event: what a writer computes a change from. */
  async findForChange(id: ObjectId): Promise<LivePost | null> {
    return this.#posts.findOne<LivePost>({ _id: id, ...LIVE }, { projection: { lastEvent: 0, outbox: 0 } });
  }

  /** Equality on a number is filtered inside PostgreSQL by FerretDB (its pushdown), not in its Go code. */
  async liveIdsOfAuthor(authorId: number): Promise<ObjectId[]> {
    const rows = await this.#posts.find<{ _id: ObjectId }>({ author_id: authorId }, { projection: { _id: 1 } }).toArray();
    return rows.map((r) => r._id);
  }

  /**
   * Applies a change and sets its event in one write, only if nobody changed the post since it was
   * read at `readVersion`. false: retry. A deletion's version is removed right after it is written:
   * its event is in the log already, and the row would only be a tombstone to skip.
   */
  async commitChange(id: ObjectId, readVersion: number, set: PostChangeSet & Pick<PostDocument, 'updatedAt'>, event: OutboxEvent): Promise<boolean> {
    const version = readVersion + 1;
    return storeWrite('mongodb', set.deleted === true ? 'delete' : 'update', 'posts', async () => {
      const result = await this.#posts.updateOne({ _id: id, version: readVersion }, { $set: { ...set, version, lastEvent: event } });
      if (result.modifiedCount !== 1) return false;
      if (set.deleted === true) {
        await this.#posts.deleteOne({ _id: id, version });
      }
      return true;
    });
  }

  /** Runs fn while no other writer in this process may change this post. */
  withWriteLock<T>(id: ObjectId, fn: () => Promise<T>): Promise<T> {
    return this.#lock.run(`post:${id.toHexString()}`, fn);
  }
}
