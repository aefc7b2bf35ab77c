// Writes to posts and comments. The posts service does not know users, so the
// gateway checks that authors and commenters exist (at the users service) and,
// when sessions are required, that the session owns what it changes.
import type { Comment, CreatePostBody, Post, UpdatePostBody } from '@polyglot/contracts/api';
import type { Written } from '../data-access/service-client.ts';
import { assertOwner } from './authorize.ts';
import type { Actor, Caller, GatewayDeps } from './gateway-deps.ts';
import { requireUsers } from './require-users.ts';

type Deps = Pick<GatewayDeps, 'posts' | 'users'>;

export async function createPost(deps: Deps, caller: Caller, body: CreatePostBody): Promise<Written<Post>> {
  assertOwner(caller.actor, body.author_id, 'author_id');
  await requireUsers(deps.users, [{ id: body.author_id, field: 'author_id' }]);
  return deps.posts.create(body);
}

/** When sessions are required, only the post's author may change it. */
async function assertAuthor(deps: Deps, actor: Actor, postId: string): Promise<void> {
  if (actor === null) return;
  const post = await deps.posts.get(postId);
  assertOwner(actor, post.author_id, `post ${postId}`);
}

export async function updatePost(deps: Deps, caller: Caller, id: string, body: UpdatePostBody): Promise<Written<Post>> {
  await assertAuthor(deps, caller.actor, id);
  return deps.posts.update(id, body);
}

export async function deletePost(deps: Deps, caller: Caller, id: string): Promise<Written<null>> {
  await assertAuthor(deps, caller.actor, id);
  return deps.posts.remove(id);
}

/** A like counts for whoever is logged in; without sessions the client may name the liker. */
export async function likePost(deps: Deps, caller: Caller, id: string, userId: number | undefined): Promise<Written<Post>> {
  if (userId !== undefined) assertOwner(caller.actor, userId, 'userId');
  return deps.posts.like(id, userId ?? caller.actor ?? undefined);
}

export async function addComment(deps: Deps, caller: Caller, postId: string, body: { author_id: number; body: string }): Promise<Written<Comment>> {
  assertOwner(caller.actor, body.author_id, 'author_id');
  await requireUsers(deps.users, [{ id: body.author_id, field: 'author_id' }]);
  return deps.posts.addComment(postId, body);
}

/** A comment may be removed by its author or by the post's author. */
export async function deleteComment(deps: Deps, caller: Caller, postId: string, commentId: string): Promise<Written<null>> {
  const { actor } = caller;
  if (actor !== null) {
    const [post, comments] = await Promise.all([deps.posts.get(postId), deps.posts.comments(postId)]);
    const comment = comments.find((c) => c.id === commentId);
    // A comment that does not exist: let the posts service say so (404 COMMENT_NOT_FOUND).
    if (comment && post.author_id !== actor) assertOwner(actor, comment.author_id, `comment ${commentId}`);
  }
  return deps.posts.removeComment(postId, commentId);
}
