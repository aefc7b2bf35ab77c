// Authors for posts, relationships and feeds, cache-aside: profiles from Redis,
// misses from the users service (then cached). A user who no longer exists is null.
import { MAX_USER_IDS, type Post, type PostAuthor } from '@polyglot/contracts/api';
import type { GatewayDeps } from './gateway-deps.ts';

export async function findAuthors(deps: Pick<GatewayDeps, 'users' | 'userCache'>, ids: readonly number[]): Promise<Map<number, PostAuthor | null>> {
  const unique = [...new Set(ids)];
  const authors = new Map<number, PostAuthor | null>(await deps.userCache.get(unique));
  const misses = unique.filter((id) => !authors.has(id));
  for (let i = 0; i < misses.length; i += MAX_USER_IDS) {
    const chunk = misses.slice(i, i + MAX_USER_IDS);
    const found = await deps.users.findMany(chunk);
    for (const u of found) authors.set(u.id, { id: u.id, name: u.name, email: u.email });
    for (const id of chunk) if (!authors.has(id)) authors.set(id, null);
    await deps.userCache.fill(found);
  }
  return authors;
}

export async function attachAuthors(deps: Pick<GatewayDeps, 'users' | 'userCache'>, posts: readonly Post[]): Promise<Post[]> {
  const authors = await findAuthors(deps, posts.map((p) => p.author_id));
  return posts.map((p) => ({ ...p, user: authors.get(p.author_id) ?? null }));
}
