// Posts for a page, cache-aside: as lists show them from the cache (the cache
// projection keeps them), misses from the posts service (then cached). The
// listing names the ids; a post deleted since is simply left out.
import type { Post } from '@polyglot/contracts/api';
import type { ListedPost } from '@polyglot/contracts/post-events';
import type { GatewayDeps } from './gateway-deps.ts';

export async function findPosts(deps: Pick<GatewayDeps, 'posts' | 'postCache'>, ids: readonly string[]): Promise<Post[]> {
  const found = await deps.postCache.get(ids);
  const misses = ids.filter((id) => !found.has(id));
  if (misses.length > 0) {
    const fetched = await deps.posts.findListed(misses);
    for (const post of fetched) found.set(post._id, post);
    await deps.postCache.fill(fetched);
  }
  return ids.flatMap((id) => {
    const post = found.get(id);
    return post ? [withoutVersion(post)] : [];
  });
}

function withoutVersion({ version: _version, ...post }: ListedPost): Post {
  return post;
}
