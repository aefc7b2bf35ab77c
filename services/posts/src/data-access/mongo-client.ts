// One MongoClient per process with short time limits, so a store that is
// down turns into a quick 503 instead of a hanging request.
import { MongoClient, type Collection, type Db } from 'mongodb';
import type { PostDocument } from './post-document.ts';

export const POSTS_STORE_NAME = 'the posts store (MongoDB wire)';

export interface PostsStore {
  client: MongoClient;
  db: Db;
  posts: Collection<PostDocument>;
}

export function openPostsStore(url: string, appName: string): PostsStore {
  // The driver connects lazily: a process starts even while the store is down.
  const client = new MongoClient(url, {
    appName,
    serverSelectionTimeoutMS: 2000,
    connectTimeoutMS: 2000,
    socketTimeoutMS: 5000,
    maxPoolSize: 20,
  });
  const db = client.db();
  return { client, db, posts: db.collection<PostDocument>('posts') };
}

export async function pingStore(db: Db): Promise<void> {
  await db.command({ ping: 1 });
}
