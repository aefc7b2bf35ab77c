// The reconciler's view of the posts store: every live post (a deletion's
// last version excluded, in the instant before its removal) with its author and creation time, nothing else of the document.
import type { Collection } from 'mongodb';
import type { PostsListing } from '@polyglot/contracts/reconcile';
import type { PostDocument } from './post-document.ts';

export class LivePostsReader {
  readonly #posts: Collection<PostDocument>;

  constructor(posts: Collection<PostDocument>) {
    this.#posts = posts;
  }

  async listing(): Promise<PostsListing> {
    const rows = await this.#posts
      .find<Pick<PostDocument, '_id' | 'author_id' | 'createdAt'>>({ deleted: { $ne: true } }, { projection: { _id: 1, author_id: 1, createdAt: 1 } })
      // Large batches: thousands of posts in a few round trips.
      .batchSize(5000)
      .toArray();
    return { posts: rows.map((r) => ({ id: r._id.toHexString(), authorId: r.author_id, createdAt: new Date(r.createdAt).toISOString() })) };
  }
}
