// GraphQL queries: the REST API's reads, each calling the same use case with
// its input checked by the same zod schema.
import { z } from 'zod';
import { DeadLettersQuery, FeedQuery, Id, ListPostsQuery, PostIdParam, RelationshipsPageQuery, UsersPageQuery } from '@polyglot/contracts/api';
import { parseToken, TokenText } from '@polyglot/contracts/consistency';
import { TraceIdText } from '@polyglot/contracts/traces';
import type { LabResults } from '../data-access/lab-results.store.ts';
import { cacheStatus } from '../domain/cache-status.use-case.ts';
import { faultsOverview, type FaultsDeps } from '../domain/faults.use-case.ts';
import { listRelationships } from '../domain/follows.use-case.ts';
import type { GatewayDeps } from '../domain/gateway-deps.ts';
import { getFeed } from '../domain/get-feed.use-case.ts';
import { getPost } from '../domain/get-post.use-case.ts';
import type { HealthSnapshot } from '../domain/health-feed.ts';
import { listPosts, type PostsPage } from '../domain/list-posts.use-case.ts';
import { analyticsFor, postsFor, userFor, usersFor, viewerOf } from '../domain/privacy.ts';
import { reconcile, type ReconcileDeps } from '../domain/reconcile.use-case.ts';
import { currentUser } from '../domain/sessions.use-case.ts';
import { visibilityOf } from '../domain/consistency.use-case.ts';
import { getTrace } from '../domain/get-trace.use-case.ts';
import { getUser } from '../domain/get-user.use-case.ts';
import { adminOf, readAfter, sessionOf } from './graphql.context.ts';
import { parseInput } from './graphql.errors.ts';
import type { QueryResolvers } from './graphql.schema.ts';

export interface GraphQLExtras {
  faults: FaultsDeps;
  reconcile: ReconcileDeps;
  lab: LabResults;
}

/** One argument checked by the REST schema of its path parameter; the message names the argument. */
function idArg<S extends z.ZodType>(schema: S, field: string, value: unknown): z.output<S> {
  return (parseInput(z.object({ [field]: schema }), { [field]: value }, 'arguments') as Record<string, z.output<S>>)[field]!;
}

/** A user id as REST takes it (Id: a positive whole number, or its digits as a string). */
export const userIdArg = (value: number | string, field = 'id'): number => idArg(Id, field, value);
/** A post id as REST's path takes it (PostIdParam: 24 hexadecimal characters). */
export const postIdArg = (value: string, field = 'id'): string => idArg(PostIdParam.shape.id, field, value);

/** REST's body plus its X-Total-Count and Link rel="next". */
function pageOf(page: PostsPage) {
  return { ...page, nextBefore: page.hasMore ? (page.items.at(-1)?._id ?? null) : null };
}

export function healthOf(snapshot: HealthSnapshot) {
  return { ...snapshot.report, healthy: snapshot.healthy, checkedAt: snapshot.checkedAt };
}

export function queryResolvers(deps: GatewayDeps, extras: GraphQLExtras): QueryResolvers {
  return {
    // With AUTH_REQUIRED on, emails only to their owners, as REST (privacy.ts).
    // A page, as GET /users: LIST_LIMIT unless limit says fewer; after pages on.
    users: async (_root, args, ctx) => {
      const order = args.order === 'NEWEST' ? 'newest' : 'id';
      const page = parseInput(UsersPageQuery, { after: args.after ?? undefined, limit: args.limit ?? undefined, order }, 'arguments');
      return usersFor(await viewerOf(deps, ctx.http.authorization), await deps.users.list({ after: page.after, limit: page.limit ?? deps.config.LIST_LIMIT, order: page.order }));
    },
    // As GET /users/:id: the profile cache, or with a token (or strong) the users service.
    user: async (_root, args, ctx) => {
      const id = userIdArg(args.id);
      const from = args.token != null || args.consistency === 'STRONG' ? 'source' : 'cache';
      return userFor(await viewerOf(deps, ctx.http.authorization), await getUser(deps, id, from));
    },
    me: (_root, _args, ctx) => currentUser(deps, ctx.http.authorization),

    posts: async (_root, args, ctx) => {
      const query = parseInput(ListPostsQuery, { limit: args.limit ?? undefined, before: args.before ?? undefined }, 'arguments');
      // Authors come from the profile cache and whole pages are cached: a token waits for the cache projection.
      await readAfter(deps, args, ['cache']);
      const page = await listPosts(deps, query);
      return pageOf({ ...page, items: postsFor(await viewerOf(deps, ctx.http.authorization), page.items) });
    },
    post: async (_root, args, ctx) => {
      const id = postIdArg(args.id);
      await readAfter(deps, args, ['cache']);
      return postsFor(await viewerOf(deps, ctx.http.authorization), [await getPost(deps, id)])[0]!;
    },
    comments: (_root, args) => deps.posts.comments(postIdArg(args.postId, 'postId')),
    feed: async (_root, args, ctx) => {
      const id = userIdArg(args.userId, 'userId');
      const { limit } = parseInput(FeedQuery, { limit: args.limit ?? undefined }, 'arguments');
      await readAfter(deps, args, ['cache']);
      const page = await getFeed(deps, id, limit);
      return pageOf({ ...page, items: postsFor(await viewerOf(deps, ctx.http.authorization), page.items) });
    },
    relationships: async (_root, args) => {
      const page = parseInput(RelationshipsPageQuery, { after: args.after ?? undefined, limit: args.limit ?? undefined, userId: args.userId ?? undefined }, 'arguments');
      // The names come from the graph projection of the users table.
      await readAfter(deps, args, ['graph']);
      return listRelationships(deps, { after: page.after, limit: page.limit ?? deps.config.LIST_LIMIT, userId: page.userId });
    },
    analytics: async (_root, args, ctx) => {
      await readAfter(deps, args, ['analytics']);
      // As GET /analytics: the shared report without a token, a fresh read after the wait with one.
      return analyticsFor(await viewerOf(deps, ctx.http.authorization), await (args.token ? deps.analytics.get() : deps.recentAnalytics.get()));
    },
    cacheStatus: () => cacheStatus(deps),
    // The report GET /health answers, shared (health-feed.ts): a hundred aliases of it cost one round of probes.
    health: async () => healthOf(await deps.health.current()),
    // Whole messages, emails included: with AUTH_REQUIRED on, only for a session (as REST).
    deadLetters: async (_root, args, ctx) => {
      await sessionOf(deps, ctx);
      return (await deps.projectors.deadLetters(parseInput(DeadLettersQuery, { limit: args.limit ?? undefined }, 'arguments').limit)).map((letter) => ({
        ...letter,
        stage: letter.stage ?? 'consume',
        valueTruncated: letter.valueTruncated === true,
      }));
    },
    consistency: (_root, args) => visibilityOf(deps, parseToken(parseInput(z.object({ token: TokenText }), args, 'arguments').token)!),
    // A public read, as GET /traces/:traceId (the trace id is checked by the same schema).
    trace: (_root, args) => getTrace(deps, parseInput(z.object({ id: TraceIdText }), args, 'arguments').id),

    labExperiments: async (_root, _args, ctx) => {
      await adminOf(deps, ctx);
      return extras.lab.list();
    },
    faults: async (_root, _args, ctx) => {
      await adminOf(deps, ctx);
      return faultsOverview(extras.faults);
    },
    reconcile: async (_root, _args, ctx) => {
      await adminOf(deps, ctx);
      return reconcile(extras.reconcile);
    },
  };
}
