// Every GraphQL operation the UI sends, by what it does. The texts and their
// types are generated from operations.graphql (npm run generate:graphql).
import { operations as o } from './operations.generated.ts';

export const Q = {
  users: o.Users,
  me: o.Me,
  posts: o.Posts,
  feed: o.Feed,
  relationships: o.Relationships,
  analytics: o.Analytics,
  cacheStatus: o.CacheStatus,
  consistency: o.Consistency,
  trace: o.Trace,
  labExperiments: o.Lab,
  faults: o.Faults,
  reconcile: o.Reconcile,
  comments: o.Comments,
  deadLetters: o.DeadLetters,
};

export const M = {
  login: o.Login,
  logout: o.Logout,
  createUser: o.CreateUser,
  updateUser: o.UpdateUser,
  deleteUser: o.DeleteUser,
  createPost: o.CreatePost,
  updatePost: o.UpdatePost,
  deletePost: o.DeletePost,
  likePost: o.LikePost,
  addComment: o.AddComment,
  deleteComment: o.DeleteComment,
  follow: o.Follow,
  unfollow: o.Unfollow,
  runLab: o.RunLab,
  pause: o.Pause,
  resume: o.Resume,
  setFaults: o.SetFaults,
  unitAction: o.UnitAction,
  repair: o.Repair,
  replayDeadLetters: o.ReplayDeadLetters,
};

export const S = {
  changes: o.Changes,
  visibility: o.Visibility,
  health: o.Health,
};
