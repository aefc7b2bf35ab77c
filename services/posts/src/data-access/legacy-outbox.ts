// A stack made before posts were captured from the store's log kept each post's unpublished events
// in the post (`outbox`), found through a collection of markers, and serialised writers with lock
// documents. At start this hands those events to the capture: for each marked post, one update per
// waiting event sets it as the post's lastEvent, oldest first, so each reaches the log and Kafka as
// if the change had just been made (the projections skip what the old relay had already published:
// they are idempotent by event id and position). Then the old collections go. On a stack made
// since, the markers collection does not exist and this is one listCollections.
import type { Db, ObjectId } from 'mongodb';
import type { Logger } from 'pino';
import type { OutboxEvent } from '@polyglot/contracts/events';
import type { PostDocument } from './post-document.ts';
import type { WriteLock } from './write-lock.ts';

const MARKERS = 'posts_outbox_pending';
const LOCKS = 'posts_write_locks';

export async function publishLegacyOutboxes(db: Db, lock: WriteLock, logger: Logger): Promise<void> {
  const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  if (existing.has(MARKERS)) {
    const posts = db.collection<PostDocument>('posts');
    const markers = await db.collection<{ _id: ObjectId }>(MARKERS).find({}).toArray();
    let events = 0;
    for (const { _id: id } of markers) {
      await lock.run(`post:${id.toHexString()}`, async () => {
        const post = await posts.findOne({ _id: id }, { projection: { outbox: 1, deleted: 1, version: 1 } });
        if (!post) return;
        const waiting: OutboxEvent[] = [...(post.outbox ?? [])].sort((a, b) => a.position - b.position);
        for (const event of waiting) {
          await posts.updateOne({ _id: id }, { $set: { lastEvent: event } });
          events++;
        }
        if (post.deleted) await posts.deleteOne({ _id: id, version: post.version });
        else await posts.updateOne({ _id: id }, { $unset: { outbox: '' } });
      });
    }
    await db.dropCollection(MARKERS);
    logger.info({ posts: markers.length, events }, 'handed the events the old posts relay had not published to the capture from the store log');
  }
  if (existing.has(LOCKS)) await db.dropCollection(LOCKS);
}
