// GET /posts: a page of posts, newest first, with authors; the assembled page
// is cached under the posts generation, so a repeat read costs two Redis GETs.
import type { Post } from '@polyglot/contracts/api';
import { pageBudgetKey, POSTS_GENERATION_KEY, postsPageKey } from '@polyglot/contracts/cache-keys';
import type { PostPage } from '../data-access/posts.client.ts';
import { attachAuthors } from './find-authors.ts';
import type { GatewayDeps } from './gateway-deps.ts';

export interface PostsPage {
  items: Post[];
  /** All posts the posts service counts for this query (X-Total-Count). */
  total: number;
  /** Whether a page older than this one exists (Link: rel="next"). */
  hasMore: boolean;
}

/**
 * Whether posts older than the page exist. A short page is the last; on the
 * first page the total answers it; deeper down one post past the end is asked for.
 */
export async function morePostsExist(deps: Pick<GatewayDeps, 'posts'>, page: PostPage, limit: number, before: string | undefined, authorIds?: readonly number[]): Promise<boolean> {
  const last = page.items.at(-1);
  if (!last || page.items.length < limit) return false;
  if (before === undefined) return page.total > page.items.length;
  const next = await deps.posts.list({ limit: 1, before: last._id, authorIds });
  return next.items.length > 0;
}

export async function listPosts(
  deps: Pick<GatewayDeps, 'posts' | 'users' | 'userCache' | 'pages'>,
  query: { limit: number; before?: string | undefined },
): Promise<PostsPage> {
  const generations = await deps.pages.generations([POSTS_GENERATION_KEY]);
  const key = generations ? postsPageKey(generations[0]!, query.limit, query.before) : null;
  return deps.pages.load(
    key,
    async () => {
      const page = await deps.posts.list({ limit: query.limit, before: query.before });
      return {
        items: await attachAuthors(deps, page.items),
        total: page.total,
        hasMore: await morePostsExist(deps, page, query.limit, query.before),
      };
    },
    // Any `before=` is a new key: the generation's cap bounds how many a client can make the cache hold.
    generations ? pageBudgetKey(generations[0]!) : undefined,
  );
}
