// GET /users/:id/feed: the newest posts of the people a user follows. Three
// stores answer it (the graph for followees, the document store for posts, the
// profile cache for authors); the page is cached under both generations it
// depends on, so a new post or a new follow invalidates it.
import { feedGenerationKey, feedPageKey, pageBudgetKey, POSTS_GENERATION_KEY } from '@polyglot/contracts/cache-keys';
import { NotFoundError } from '@polyglot/platform/errors';
import { attachAuthors, findAuthors } from './find-authors.ts';
import type { GatewayDeps } from './gateway-deps.ts';
import type { PostsPage } from './list-posts.use-case.ts';
import { morePostsExist } from './list-posts.use-case.ts';

export async function getFeed(
  deps: Pick<GatewayDeps, 'posts' | 'users' | 'userCache' | 'pages' | 'graph'>,
  userId: number,
  limit: number,
): Promise<PostsPage> {
  const reader = (await findAuthors(deps, [userId])).get(userId);
  if (!reader) throw new NotFoundError('USER_NOT_FOUND', `user ${userId} does not exist`, { id: userId });

  const generations = await deps.pages.generations([POSTS_GENERATION_KEY, feedGenerationKey(userId)]);
  const key = generations ? feedPageKey(userId, generations[0]!, generations[1]!, limit) : null;
  return deps.pages.load(
    key,
    async (): Promise<PostsPage> => {
      const followees = await deps.graph.followees(userId);
      if (followees.length === 0) return { items: [], total: 0, hasMore: false };
      const page = await deps.posts.list({ limit, authorIds: followees });
      return { items: await attachAuthors(deps, page.items), total: page.total, hasMore: await morePostsExist(deps, page, limit, undefined, followees) };
    },
    // Every user's feed is a key of its own: the same cap as GET /posts pages.
    generations ? pageBudgetKey(generations[0]!) : undefined,
  );
}
