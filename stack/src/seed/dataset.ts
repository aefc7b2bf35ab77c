// What `./stackctl seed` writes, made from --seed alone: the same options give
// the same users, posts and follows, batch by batch, so a seed stopped halfway
// goes on from its last finished batch and inserts nothing twice. Pure: no I/O.
import type { BulkPostsBody, BulkUsersBody } from '@polyglot/contracts/seed';

export interface SeedSizes {
  users: number;
  posts: number;
  follows: number;
}

/** The reader whose feed the bench reads: the first seeded user follows this many others (or all, if fewer). */
export const READER_FOLLOWS = 1000;
/** The password every seeded user shares (hashed once per batch by the users service). */
export const SEED_PASSWORD = 'seeded-user-password';
/** Seeded posts are spread over this much time before the seed's fixed epoch, oldest first. */
const SPREAD_MS = 365 * 24 * 3600 * 1000;
const EPOCH_MS = Date.UTC(2026, 0, 1);

const WORDS = 'data store graph event stream cache index query page post user follow change capture projection offset lag replay token strong eventual kafka redis neo4j postgres ferret timescale write read batch shard'.split(' ');

/** mulberry32: a small, fast, seedable generator (plenty for test data). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const mix = (seed: number, stream: number, index: number): number => (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(stream + 1, 0xc2b2ae35) ^ Math.imul(index + 1, 0x27d4eb2f)) >>> 0;

const words = (next: () => number, count: number): string => Array.from({ length: count }, () => WORDS[Math.floor(next() * WORDS.length)]!).join(' ');

export const seedEmail = (seed: number, index: number): string => `seed-${seed}-${index}@seed.example`;

export function userBatch(seed: number, from: number, to: number): BulkUsersBody['users'] {
  return Array.from({ length: to - from }, (_, k) => {
    const i = from + k;
    const next = random(mix(seed, 1, i));
    return { email: seedEmail(seed, i), name: `${words(next, 1)} ${words(next, 1)} ${i}` };
  });
}

/**
 * A post's id: its creation second, then the seed and its index, so ids sort as the posts were "made"
 * (oldest first) and never collide with another seed's or a real post's (which are made now, after the epoch).
 */
export function seededPostId(seed: number, index: number, total: number): { id: string; createdAt: Date } {
  const createdAt = new Date(EPOCH_MS - SPREAD_MS + Math.floor((index / Math.max(1, total)) * SPREAD_MS));
  const seconds = Math.floor(createdAt.getTime() / 1000);
  const id = seconds.toString(16).padStart(8, '0') + (seed >>> 0).toString(16).padStart(8, '0') + index.toString(16).padStart(8, '0');
  return { id, createdAt };
}

export function postBatch(seed: number, from: number, to: number, total: number, userIds: readonly number[]): BulkPostsBody['posts'] {
  return Array.from({ length: to - from }, (_, k) => {
    const i = from + k;
    const next = random(mix(seed, 2, i));
    const { id, createdAt } = seededPostId(seed, i, total);
    // Authors skewed like a real network: a few write much, most write little.
    const author = userIds[Math.floor(next() ** 2 * userIds.length)]!;
    return { _id: id, author_id: author, title: words(next, 5), body: words(next, 30), tags: [WORDS[Math.floor(next() * WORDS.length)]!], createdAt: createdAt.toISOString() };
  });
}

/** The first READER_FOLLOWS follows are the reader's (the first seeded user); the rest are random pairs. */
export function followBatch(seed: number, from: number, to: number, userIds: readonly number[]): Array<{ followerId: number; followeeId: number }> {
  const readerFollows = Math.min(READER_FOLLOWS, userIds.length - 1);
  return Array.from({ length: to - from }, (_, k) => {
    const i = from + k;
    if (i < readerFollows) return { followerId: userIds[0]!, followeeId: userIds[i + 1]! };
    const next = random(mix(seed, 3, i));
    const follower = userIds[Math.floor(next() * userIds.length)]!;
    let followee = userIds[Math.floor(next() * userIds.length)]!;
    if (followee === follower) followee = userIds[(userIds.indexOf(follower) + 1) % userIds.length]!;
    return { followerId: follower, followeeId: followee };
  });
}
