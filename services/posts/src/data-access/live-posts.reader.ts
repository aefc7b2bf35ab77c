// The reconciler's view of the posts store: every live post (a deletion's
// last version excluded, in the instant before its removal) with its author and creation time, nothing else of the document.
import { Readable } from 'node:stream';
import type { Collection, ObjectId } from 'mongodb';
import type { PostsListing } from '@polyglot/contracts/reconcile';
import type { PostDocument } from './post-document.ts';

type Row = Pick<PostDocument, '_id' | 'author_id' | 'createdAt'>;
const toListed = (r: Row) => ({ id: r._id.toHexString(), authorId: r.author_id, createdAt: new Date(r.createdAt).toISOString() });
const STREAM_BATCH = 500;
/** Enough to keep FerretDB's connections busy without queueing thousands of lookups at once. */
const LOOKUPS_AT_ONCE = 32;

export class LivePostsReader {
  readonly #posts: Collection<PostDocument>;

  constructor(posts: Collection<PostDocument>) {
    this.#posts = posts;
  }

  /**
   * Every live post, one JSON line each, then {end: true, count}, as the cursor reads them (the full check streams them; FerretDB
   * can neither sort nor range-filter inside PostgreSQL, so the order is the store's). Pulled as the
   * reader consumes it: the HTTP response's backpressure pauses the cursor.
   */
  stream(): Readable {
    // FerretDB decodes every whole document to project three fields (about 1,500 a second here): a batch of
    // 5,000 could take longer than the driver's 5 s socket timeout while the machine was busy.
    const cursor = this.#posts.find<Row>({ deleted: { $ne: true } }, { projection: { _id: 1, author_id: 1, createdAt: 1 } }).batchSize(STREAM_BATCH);
    return Readable.from(
      (async function* () {
        let count = 0;
        for await (const row of cursor) {
          count += 1;
          yield `${JSON.stringify(toListed(row))}\n`;
        }
        // The last line says the listing is whole: a stream cut by a failure has none.
        yield `${JSON.stringify({ end: true, count })}\n`;
      })(),
    );
  }

  /**
   * The live posts among ids (the incremental check). One lookup by _id each, LOOKUPS_AT_ONCE at a time:
   * the one query FerretDB answers from an index (an $in is read from every post).
   */
  async among(ids: readonly ObjectId[]): Promise<PostsListing> {
    const posts: PostsListing['posts'] = [];
    for (let start = 0; start < ids.length; start += LOOKUPS_AT_ONCE) {
      const found = await Promise.all(
        ids.slice(start, start + LOOKUPS_AT_ONCE).map((_id) => this.#posts.findOne<Row>({ _id, deleted: { $ne: true } }, { projection: { _id: 1, author_id: 1, createdAt: 1 } })),
      );
      for (const row of found) if (row) posts.push(toListed(row));
    }
    return { posts };
  }
}
