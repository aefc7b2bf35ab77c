// GraphQL mutations: the REST API's writes. Each checks the session first (as
// the REST session hook does, before the input is looked at), then its input
// with the REST schema, then calls the same use case and settles the write in
// the mode asked for.
import { CommentIdParam, CreateCommentBody, CreatePostBody, CreateUserBody, DeadLetterReplayRequest, FollowBody, LikeBody, LoginBody, UpdatePostBody, UpdateUserBody } from '@polyglot/contracts/api';
import { ProjectionFaultsSettings } from '@polyglot/contracts/faults';
import { controlProjection, controlUnit } from '../domain/faults.use-case.ts';
import { follow, unfollow } from '../domain/follows.use-case.ts';
import type { GatewayDeps } from '../domain/gateway-deps.ts';
import { addComment, createPost, deleteComment, deletePost, likePost, updatePost } from '../domain/post-writes.use-case.ts';
import { repair } from '../domain/reconcile.use-case.ts';
import { ExperimentInput } from '@polyglot/contracts/lab';
import { runExperiment } from '../domain/run-experiment.use-case.ts';
import { logIn, logOut } from '../domain/sessions.use-case.ts';
import { createUser, deleteUser, updateUser } from '../domain/user-writes.use-case.ts';
import { faultUnit, projectionName } from './faults.routes.ts';
import { adminOf, callerOf, settle, whoOf, writeOptionsOf } from './graphql.context.ts';
import { parseInput } from './graphql.errors.ts';
import { postIdArg, userIdArg, type GraphQLExtras } from './graphql.queries.ts';
import type { MutationResolvers } from './graphql.schema.ts';

/** GraphQL leaves out the fields a client did not give; null stays null (and REST's schema decides). */
const given = (fields: Record<string, unknown>) => Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));

export function mutationResolvers(deps: GatewayDeps, extras: GraphQLExtras): MutationResolvers {
  return {
    login: (_root, args, ctx) => logIn(deps, parseInput(LoginBody, args, 'input'), ctx.http.address),
    logout: async (_root, _args, ctx) => {
      await logOut(deps, ctx.http.authorization);
      return true;
    },

    // Creating an account is the one write that cannot need a session.
    createUser: async (_root, args, ctx) => {
      const caller = await callerOf(deps, ctx, { open: true });
      const options = writeOptionsOf(args);
      const { value, consistency } = await settle(deps, await createUser(deps, caller, parseInput(CreateUserBody, args.input, 'input')), options);
      return { user: value, consistency };
    },
    updateUser: async (_root, args, ctx) => {
      const caller = await callerOf(deps, ctx);
      const options = writeOptionsOf(args);
      const id = userIdArg(args.id);
      const { value, consistency } = await settle(deps, await updateUser(deps, caller, id, parseInput(UpdateUserBody, args.input, 'input'), ctx.http.address), options);
      return { user: value, consistency };
    },
    deleteUser: async (_root, args, ctx) => {
      const caller = await callerOf(deps, ctx);
      const options = writeOptionsOf(args);
      const { consistency } = await settle(deps, await deleteUser(deps, caller, userIdArg(args.id)), options);
      return { deleted: true, consistency };
    },

    createPost: async (_root, args, ctx) => {
      const caller = await callerOf(deps, ctx);
      const options = writeOptionsOf(args);
      const { value, consistency } = await settle(deps, await createPost(deps, caller, parseInput(CreatePostBody, given(args.input), 'input')), options);
      return { post: value, consistency };
    },
    updatePost: async (_root, args, ctx) => {
      const caller = await callerOf(deps, ctx);
      const options = writeOptionsOf(args);
      const id = postIdArg(args.id);
      const { value, consistency } = await settle(deps, await updatePost(deps, caller, id, parseInput(UpdatePostBody, given(args.input), 'input')), options);
      return { post: value, consistency };
    },
    deletePost: async (_root, args, ctx) => {
      const caller = await callerOf(deps, ctx);
      const options = writeOptionsOf(args);
      const { consistency } = await settle(deps, await deletePost(deps, caller, postIdArg(args.id)), options);
      return { deleted: true, consistency };
    },
    likePost: async (_root, args, ctx) => {
      const caller = await callerOf(deps, ctx);
      const options = writeOptionsOf(args);
      const id = postIdArg(args.id);
      const body = parseInput(LikeBody, given({ userId: args.userId }), 'arguments');
      const { value, consistency } = await settle(deps, await likePost(deps, caller, id, body?.userId), options);
      return { post: value, consistency };
    },
    addComment: async (_root, args, ctx) => {
      const caller = await callerOf(deps, ctx);
      const options = writeOptionsOf(args);
      const postId = postIdArg(args.postId, 'postId');
      const { value, consistency } = await settle(deps, await addComment(deps, caller, postId, parseInput(CreateCommentBody, args.input, 'input')), options);
      return { comment: value, consistency };
    },
    deleteComment: async (_root, args, ctx) => {
      const caller = await callerOf(deps, ctx);
      const options = writeOptionsOf(args);
      const { id, commentId } = parseInput(CommentIdParam, { id: args.postId, commentId: args.commentId }, 'arguments');
      const { consistency } = await settle(deps, await deleteComment(deps, caller, id, commentId), options);
      return { deleted: true, consistency };
    },

    follow: async (_root, args, ctx) => {
      const caller = await callerOf(deps, ctx);
      const options = writeOptionsOf(args);
      const body = parseInput(FollowBody, { followerId: args.followerId, followeeId: args.followeeId }, 'arguments');
      const { value, consistency } = await settle(deps, await follow(deps, caller, body), options);
      return { follow: value, consistency };
    },
    unfollow: async (_root, args, ctx) => {
      const caller = await callerOf(deps, ctx);
      const options = writeOptionsOf(args);
      const body = parseInput(FollowBody, { followerId: args.followerId, followeeId: args.followeeId }, 'arguments');
      const { consistency } = await settle(deps, await unfollow(deps, caller, body), options);
      return { deleted: true, consistency };
    },

    // Operators' tools: the admin check comes before the input is looked at, as REST's adminOnly hook.
    runLabExperiment: async (_root, args, ctx) => {
      const admin = await adminOf(deps, ctx);
      const caller = await callerOf(deps, ctx);
      const result = await runExperiment(deps, caller, parseInput(ExperimentInput, args.input, 'input'));
      await extras.lab.add(result);
      deps.logger.info({ experiment: result.id, input: result.input, durationMs: result.durationMs, by: admin?.email ?? ctx.http.address, via: 'graphql' }, 'lab experiment finished');
      return result;
    },
    pauseProjection: async (_root, args, ctx) => {
      const admin = await adminOf(deps, ctx);
      return controlProjection(extras.faults, await whoOf(deps, ctx, admin), projectionName(args.name), 'pause');
    },
    resumeProjection: async (_root, args, ctx) => {
      const admin = await adminOf(deps, ctx);
      return controlProjection(extras.faults, await whoOf(deps, ctx, admin), projectionName(args.name), 'resume');
    },
    setProjectionFaults: async (_root, args, ctx) => {
      const admin = await adminOf(deps, ctx);
      // REST checks the body before the name: so here.
      const settings = parseInput(ProjectionFaultsSettings, given({ delayMs: args.delayMs, duplicate: args.duplicate }), 'arguments');
      return controlProjection(extras.faults, await whoOf(deps, ctx, admin), projectionName(args.name), 'set', settings);
    },
    unitAction: async (_root, args, ctx) => {
      const admin = await adminOf(deps, ctx);
      return controlUnit(extras.faults, await whoOf(deps, ctx, admin), faultUnit(args.unit), args.action);
    },
    replayDeadLetters: async (_root, args, ctx) => {
      await adminOf(deps, ctx);
      return deps.projectors.replayDeadLetters(parseInput(DeadLetterReplayRequest, given({ id: args.id ?? undefined, all: args.all ?? undefined }), 'arguments'));
    },
    repair: async (_root, _args, ctx) => {
      await adminOf(deps, ctx);
      return repair(extras.reconcile);
    },
  };
}
