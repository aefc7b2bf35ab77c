// GET /users/:id/feed: the newest posts of the people a user follows. The
// graph names the followees; their listings (merged inside Redis), the cached
// posts and the profile cache give the page. It is cached under both
// generations it depends on, so a new post or a new follow invalidates it.
import { feedGenerationKey, feedPageFamily, feedPageKey, pageBudgetKey, POSTS_GENERATION_KEY } from '@polyglot/contracts/cache-keys';
import { NotFoundError } from '@polyglot/platform/errors';
import { findAuthors } from './find-authors.ts';
import type { GatewayDeps } from './gateway-deps.ts';
import { assemblePage, type PageDeps, type PostsPage } from './list-posts.use-case.ts';

export async function getFeed(
  deps: PageDeps & Pick<GatewayDeps, 'graph'>,
  userId: number,
  limit: number,
  options: { stale?: boolean } = {},
): Promise<PostsPage> {
  const family = feedPageFamily(userId, limit);
  const held = options.stale ? deps.pages.fresh<PostsPage>(family) : null;
  if (held) return held;
  const reader = (await findAuthors(deps, [userId])).get(userId);
  if (!reader) throw new NotFoundError('USER_NOT_FOUND', `user ${userId} does not exist`, { id: userId });

  const generations = await deps.pages.generations([POSTS_GENERATION_KEY, feedGenerationKey(userId)]);
  const key = generations ? feedPageKey(userId, generations[0]!, generations[1]!, limit) : null;
  return deps.pages.load(
    key,
    async (): Promise<PostsPage> => {
      const followees = await deps.graph.followees(userId);
      if (followees.length === 0) return { items: [], total: 0, hasMore: false };
      return assemblePage(deps, await deps.listing.authorsPage({ authorIds: followees, limit }));
    },
    // Every user's feed is a key of its own: the same cap as GET /posts pages.
    generations ? pageBudgetKey(generations[0]!) : undefined,
    { family, age: (generations?.[0] ?? 0) + (generations?.[1] ?? 0), stale: options.stale ?? false },
  );
}
