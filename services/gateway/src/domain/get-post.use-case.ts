// GET /posts/:id with its author from the profile cache.
import type { Post } from '@polyglot/contracts/api';
import { attachAuthors } from './find-authors.ts';
import type { GatewayDeps } from './gateway-deps.ts';

export async function getPost(deps: Pick<GatewayDeps, 'posts' | 'users' | 'userCache'>, id: string): Promise<Post> {
  const post = await deps.posts.get(id);
  const [withAuthor] = await attachAuthors(deps, [post]);
  return withAuthor!;
}
