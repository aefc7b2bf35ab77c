// What a reader may see of other people. With AUTH_REQUIRED off nothing is
// hidden (existing clients see what they always saw). With it on, an email is
// shown only to its owner: the users list, a post's author, analytics events.
// Cached pages keep every email; they are left out here, on the way out, in
// copies (a cached page is shared by every reader and never changed).
import type { Analytics, Post, UserView } from '@polyglot/contracts/api';
import type { GatewayDeps } from './gateway-deps.ts';
import { sessionUserIdOrNull } from './sessions.use-case.ts';

/** Who reads: null when AUTH_REQUIRED is off (everything shown); else the session's user, if any. */
export type Viewer = { userId: number | null } | null;

export async function viewerOf(deps: Pick<GatewayDeps, 'config' | 'sessions'>, authorization: string | undefined): Promise<Viewer> {
  if (!deps.config.AUTH_REQUIRED) return null;
  return { userId: await sessionUserIdOrNull(deps, authorization) };
}

const mayReadEmailOf = (viewer: Viewer, userId: number | null | undefined) => viewer === null || (viewer.userId !== null && viewer.userId === userId);

function withoutEmail<T extends { email?: unknown }>(value: T): Omit<T, 'email'> {
  const { email: _hidden, ...rest } = value;
  return rest;
}

export function userFor<T extends UserView>(viewer: Viewer, user: T): UserView {
  return mayReadEmailOf(viewer, user.id) ? user : withoutEmail(user);
}

export function usersFor<T extends UserView>(viewer: Viewer, users: readonly T[]): UserView[] {
  return viewer === null ? [...users] : users.map((u) => userFor(viewer, u));
}

/** The same posts (the same array when nothing is hidden), authors' emails left out for anyone but themselves. */
export function postsFor(viewer: Viewer, posts: Post[]): Post[] {
  if (viewer === null) return posts;
  return posts.map((p) => (p.user && !mayReadEmailOf(viewer, p.user.id) ? { ...p, user: withoutEmail(p.user) } : p));
}

/** Events about users carry their profile in properties: its email only for its owner. */
export function analyticsFor(viewer: Viewer, analytics: Analytics): Analytics {
  if (viewer === null) return analytics;
  return {
    ...analytics,
    events: analytics.events.map((e) =>
      'email' in e.properties && !mayReadEmailOf(viewer, e.user_id) ? { ...e, properties: withoutEmail(e.properties) } : e,
    ),
  };
}
