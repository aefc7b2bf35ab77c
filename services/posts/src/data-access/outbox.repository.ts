// What the relay reads and clears: the pending events embedded in posts, found
// through a small side collection of markers (one per post with events waiting).
//
// FerretDB answers only lookups by _id from an index, so "which posts have
// pending events" over the posts themselves reads every post; after a burst
// that is thousands of documents, for seconds, while reads of posts wait. The
// markers make it a read of the few posts that are pending.
//
// Without multi-document transactions the marker is written after the post
// (a marker never names an event that is not there yet) with a fresh token,
// and the relay deletes a marker only if its token is still the one it read
// before reading the post: a write that lands meanwhile has re-stamped it, so
// the marker stays. Only a process dying between the two writes leaves an
// event without a marker; the relay's rare full scan (and its start) finds it.
import { ObjectId, type Collection, type Db, type Filter } from 'mongodb';
import type { OutboxEvent } from '@polyglot/contracts/events';
import type { PostDocument } from './post-document.ts';
import type { WriteLock } from './write-lock.ts';

export type PendingPost = Pick<PostDocument, '_id' | 'outbox' | 'deleted'> & {
  /** The marker's token as read before the post; undefined when found by a full scan without one. */
  markerToken?: ObjectId;
};

interface PendingMarker {
  _id: ObjectId;
  token: ObjectId;
}

const SCAN_BATCH = 1000;
const DRAINED_TOMBSTONE = { deleted: true, 'outbox.0': { $exists: false } } as Filter<PostDocument>;

const hasPending = (post: Pick<PendingPost, 'outbox'>): boolean => Array.isArray(post.outbox) && post.outbox.length > 0;

export const PENDING_MARKERS_COLLECTION = 'posts_outbox_pending';

export function pendingMarkers(db: Db): Collection<PendingMarker> {
  return db.collection<PendingMarker>(PENDING_MARKERS_COLLECTION);
}

/** Called by writers after every write that appended to a post's outbox. */
export async function markPending(markers: Collection<PendingMarker>, id: ObjectId): Promise<void> {
  await markers.updateOne({ _id: id }, { $set: { token: new ObjectId() } }, { upsert: true });
}

export class OutboxRepository {
  readonly #posts: Collection<PostDocument>;
  readonly #markers: Collection<PendingMarker>;
  readonly #lock: WriteLock;

  constructor(db: Db, lock: WriteLock) {
    this.#posts = db.collection<PostDocument>('posts');
    this.#markers = pendingMarkers(db);
    this.#lock = lock;
  }

  /** The named posts that have events to publish. */
  async findPendingByIds(ids: readonly ObjectId[]): Promise<PendingPost[]> {
    const markers = await this.#markers.find({ _id: { $in: [...ids] } }).toArray();
    return this.#readPending(ids, new Map(markers.map((m) => [m._id.toHexString(), m.token])));
  }

  /** Up to `limit` marked posts with events to publish; markers left by a finished relay round are removed. */
  async findMarked(limit: number): Promise<PendingPost[]> {
    const markers = await this.#markers.find({}).limit(limit).toArray();
    const tokens = new Map(markers.map((m) => [m._id.toHexString(), m.token]));
    const pending = await this.#readPending(
      markers.map((m) => m._id),
      tokens,
    );
    const live = new Set(pending.map((p) => p._id.toHexString()));
    await Promise.all(markers.filter((m) => !live.has(m._id.toHexString())).map((m) => this.#unmark(m._id, m.token)));
    return pending;
  }

  /**
   * Reads every post (slow on FerretDB): up to `limit` posts with events whose marker was never
   * written, and the tombstones a relay left drained (see deleteDrainedTombstones), in one pass.
   */
  async scan(limit: number): Promise<{ pending: PendingPost[]; drainedTombstones: ObjectId[] }> {
    const pending: PendingPost[] = [];
    const drainedTombstones: ObjectId[] = [];
    // Filtered here, not by the store: FerretDB filters `outbox.0` or `deleted` by reading every
    // document before it answers the first batch. Among 40,000 posts that took 3.4 s idle and
    // outlasted the 5 s socket timeout under load, so the scan failed, and was retried, without
    // end. Unfiltered, each batch answers at once.
    const cursor = this.#posts.find<PendingPost>({}, { projection: { outbox: 1, deleted: 1 }, batchSize: SCAN_BATCH });
    try {
      for await (const post of cursor) {
        if (!hasPending(post)) {
          if (post.deleted === true) drainedTombstones.push(post._id);
          continue;
        }
        pending.push(post);
        if (pending.length >= limit) break;
      }
    } finally {
      await cursor.close();
    }
    return { pending, drainedTombstones };
  }

  async #readPending(ids: readonly ObjectId[], tokens: Map<string, ObjectId>): Promise<PendingPost[]> {
    // One lookup by _id each: the one query FerretDB answers from an index.
    const found = await Promise.all(ids.map((id) => this.#posts.findOne<PendingPost>({ _id: id }, { projection: { outbox: 1, deleted: 1 } })));
    return found
      .filter((post): post is PendingPost => post !== null && hasPending(post))
      .map((post) => {
        const token = tokens.get(post._id.toHexString());
        return token ? { ...post, markerToken: token } : post;
      });
  }

  async #unmark(id: ObjectId, token: ObjectId): Promise<void> {
    await this.#markers.deleteOne({ _id: id, token });
  }

  /**
   * Removes exactly the published entries (events appended meanwhile stay),
   * then deletes the post if it is a tombstone with nothing left to publish,
   * then its marker unless a writer re-stamped it meanwhile.
   */
  async acknowledge(post: PendingPost, published: OutboxEvent[]): Promise<{ deleted: boolean }> {
    const id = post._id;
    const result = await this.#lock.run(`post:${id.toHexString()}`, async () => {
      // FerretDB's $pull treats its condition as a literal element
      // ({eventId: {$in: …}} removes nothing); $pullAll of the entries as read
      // is exact on both stores.
      const pulled = await this.#posts.updateOne({ _id: id }, { $pullAll: { outbox: published } });
      if (pulled.matchedCount === 1 && pulled.modifiedCount === 0) await this.#removeByEventId(id, new Set(published.map((e) => e.eventId)));
      // A post tombstoned after it was read is removed in a later round, after its POST_DELETED went out.
      if (post.deleted !== true) return { deleted: false };
      const removed = await this.#posts.deleteOne({ _id: id, ...DRAINED_TOMBSTONE });
      return { deleted: removed.deletedCount === 1 };
    });
    if (post.markerToken) await this.#unmark(id, post.markerToken);
    return result;
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
   * stopped in between), as a scan found them. No lock needed: writers never
   * touch a tombstone, and each delete's filter checks again that it is one.
   */
  async deleteDrainedTombstones(ids: readonly ObjectId[]): Promise<number> {
    let deleted = 0;
    for (const id of ids) deleted += (await this.#posts.deleteOne({ _id: id, ...DRAINED_TOMBSTONE })).deletedCount;
    return deleted;
  }

  /** Posts with events waiting to be published (a small collection: cheap to count). */
  async countBacklog(): Promise<number> {
    return this.#markers.countDocuments({});
  }
}
