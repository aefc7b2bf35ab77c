// GET /posts: a page of posts, newest first, with authors. The ids and the
// total come from the listing the cache projection keeps (post-listing.ts), the
// posts from the cache (find-posts.ts), so building a page reads no post store.
// The assembled page is cached under the posts generation, so a repeat read
// costs a Redis GET, and a change costs one rebuild from Redis.
import type { Post } from '@polyglot/contracts/api';
import { pageBudgetKey, POSTS_GENERATION_KEY, postsPageFamily, postsPageKey } from '@polyglot/contracts/cache-keys';
import type { ListingPage } from '../data-access/post-listing.ts';
import { attachAuthors } from './find-authors.ts';
import { findPosts } from './find-posts.ts';
import type { GatewayDeps } from './gateway-deps.ts';

export interface PostsPage {
  items: Post[];
  /** Every live post in scope, from the listing's count (X-Total-Count). */
  total: number;
  /** Whether a page older than this one exists (Link: rel="next"). */
  hasMore: boolean;
}

export type PageDeps = Pick<GatewayDeps, 'posts' | 'postCache' | 'listing' | 'users' | 'userCache' | 'pages'>;

/** The posts a listing page names, with their authors. */
export async function assemblePage(deps: Omit<PageDeps, 'pages' | 'listing'>, page: ListingPage): Promise<PostsPage> {
  const posts = await findPosts(deps, page.ids);
  return { items: await attachAuthors(deps, posts), total: page.total, hasMore: page.hasMore };
}

/** stale: the read carries no consistency token, so it may be answered the page this process built last while the new one builds. */
export async function listPosts(deps: PageDeps, query: { limit: number; before?: string | undefined }, options: { stale?: boolean } = {}): Promise<PostsPage> {
  const family = postsPageFamily(query.limit, query.before);
  const held = options.stale ? deps.pages.fresh<PostsPage>(family) : null;
  if (held) return held;
  const generations = await deps.pages.generations([POSTS_GENERATION_KEY]);
  const key = generations ? postsPageKey(generations[0]!, query.limit, query.before) : null;
  return deps.pages.load(
    key,
    async () => assemblePage(deps, await deps.listing.page(query)),
    // Any `before=` is a new key: the generation's cap bounds how many a client can make the cache hold.
    generations ? pageBudgetKey(generations[0]!) : undefined,
    { family, age: generations?.[0] ?? 0, stale: options.stale ?? false },
  );
}
