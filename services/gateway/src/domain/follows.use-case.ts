// Follows and the relationships list. The graph does not check users; the
// gateway does, at the users service, naming the id that is wrong.
import type { FollowBody, Relationship } from '@polyglot/contracts/api';
import { AppError } from '@polyglot/platform/errors';
import type { FollowResult } from '../data-access/graph.client.ts';
import type { Written } from '../data-access/service-client.ts';
import { assertOwner } from './authorize.ts';
import { findAuthors } from './find-authors.ts';
import type { Caller, GatewayDeps } from './gateway-deps.ts';
import { requireUsers } from './require-users.ts';

export async function follow(deps: Pick<GatewayDeps, 'graph' | 'users'>, caller: Caller, body: FollowBody): Promise<Written<FollowResult>> {
  if (body.followerId === body.followeeId) throw new AppError('SELF_FOLLOW', `user ${body.followerId} cannot follow themselves; pick another followeeId`);
  assertOwner(caller.actor, body.followerId, 'followerId');
  await requireUsers(deps.users, [
    { id: body.followerId, field: 'followerId' },
    { id: body.followeeId, field: 'followeeId' },
  ]);
  return deps.graph.follow(body.followerId, body.followeeId);
}

export async function unfollow(deps: Pick<GatewayDeps, 'graph'>, caller: Caller, body: FollowBody): Promise<Written<null>> {
  assertOwner(caller.actor, body.followerId, 'followerId');
  return deps.graph.unfollow(body.followerId, body.followeeId);
}

/** A page of edges from the graph; a name the graph lacks (its projection is behind) comes from the profile cache. */
export async function listRelationships(deps: Pick<GatewayDeps, 'graph' | 'users' | 'userCache'>, page: Parameters<GatewayDeps['graph']['relationships']>[0]): Promise<Relationship[]> {
  const edges = await deps.graph.relationships(page);
  const unnamed = edges.flatMap((e) => [...(e.followerName === null ? [e.followerId] : []), ...(e.followeeName === null ? [e.followeeId] : [])]);
  if (unnamed.length === 0) return edges;
  const names = await findAuthors(deps, unnamed);
  return edges.map((e) => ({
    ...e,
    followerName: e.followerName ?? names.get(e.followerId)?.name ?? null,
    followeeName: e.followeeName ?? names.get(e.followeeId)?.name ?? null,
  }));
}
