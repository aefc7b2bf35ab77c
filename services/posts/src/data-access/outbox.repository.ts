// What the relay reads and clears: the pending events embedded in posts.
import type { Collection, Filter, ObjectId } from 'mongodb';
import type { OutboxEvent } from '@polyglot/contracts/events';
import type { PostDocument } from './post-document.ts';
import type { WriteLock } from './write-lock.ts';

export type PendingPost = Pick<PostDocument, '_id' | 'outbox' | 'deleted'>;

const HAS_PENDING = { 'outbox.0': { $exists: true } } as Filter<PostDocument>;
const DRAINED_TOMBSTONE = { deleted: true, 'outbox.0': { $exists: false } } as Filter<PostDocument>;

export class OutboxRepository {
  readonly #posts: Collection<PostDocument>;
  readonly #lock: WriteLock;

  constructor(posts: Collection<PostDocument>, lock: WriteLock) {
    this.#posts = posts;
    this.#lock = lock;
  }

  /** The named posts that have events to publish. One lookup by _id each: the one query FerretDB answers from an index. */
  async findPendingByIds(ids: readonly ObjectId[]): Promise<PendingPost[]> {
    const found = await Promise.all(ids.map((id) => this.#posts.findOne<PendingPost>({ _id: id }, { projection: { outbox: 1, deleted: 1 } })));
    return found.filter((post): post is PendingPost => post !== null && Array.isArray(post.outbox) && post.outbox.length > 0);
  }

  async findPending(limit: number): Promise<PendingPost[]> {
    return this.#posts.find<PendingPost>(HAS_PENDING, { projection: { outbox: 1, deleted: 1 } }).limit(limit).toArray();
  }

  /**
   * Removes exactly the published entries (events appended meanwhile stay),
   * then deletes the post if it is a tombstone with nothing left to publish.
   */
  async acknowledge(id: ObjectId, published: OutboxEvent[], tombstone: boolean): Promise<{ deleted: boolean }> {
    return this.#lock.run(`post:${id.toHexString()}`, async () => {
      // FerretDB's $pull treats its condition as a literal element
      // ({eventId: {$in: …}} removes nothing); $pullAll of the entries as read
      // is exact on both stores.
      const pulled = await this.#posts.updateOne({ _id: id }, { $pullAll: { outbox: published } });
      if (pulled.matchedCount === 1 && pulled.modifiedCount === 0) await this.#removeByEventId(id, new Set(published.map((e) => e.eventId)));
      // A post tombstoned after it was read is removed in a later round, after its POST_DELETED went out.
      if (!tombstone) return { deleted: false };
      const removed = await this.#posts.deleteOne({ _id: id, ...DRAINED_TOMBSTONE });
      return { deleted: removed.deletedCount === 1 };
    });
  }

  /** Fallback when the stored entries no longer equal what was read: rewrite the outbox, guarded by version. */
  async #removeByEventId(id: ObjectId, eventIds: Set<string>): Promise<void> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const post = await this.#posts.findOne<Pick<PostDocument, 'outbox' | 'version'>>({ _id: id }, { projection: { outbox: 1, version: 1 } });
      if (!post) return;
      const remaining = post.outbox.filter((e) => !eventIds.has(e.eventId));
      if (remaining.length === post.outbox.length) return;
      const result = await this.#posts.updateOne({ _id: id, version: post.version }, { $set: { outbox: remaining } });
      if (result.modifiedCount === 1) return;
    }
  }

  /**
   * Tombstones whose events are out but whose delete did not happen (a relay
   * stopped in between). No lock needed: writers never touch a tombstone.
   */
  async deleteDrainedTombstones(): Promise<number> {
    const result = await this.#posts.deleteMany(DRAINED_TOMBSTONE);
    return result.deletedCount;
  }

  /** Events waiting to be published, over all posts. */
  async countBacklog(): Promise<number> {
    // $unwind + $count: FerretDB implements neither $size nor a second $group accumulator.
    const rows = await this.#posts.aggregate<{ n: number }>([{ $match: HAS_PENDING }, { $project: { outbox: 1 } }, { $unwind: '$outbox' }, { $count: 'n' }]).toArray();
    return rows[0]?.n ?? 0;
  }
}
