// The shapes the UI works with, named: each is what an operation in
// operations.graphql selects, as generated from the gateway's schema
// (operations.generated.ts), so a shape changed in the contracts fails the UI's
// type-check where it is read. GraphQL lists what REST keys by name (the health
// report's connectors, projections, relays and checks); healthView gives the UI
// them keyed again, as the views look them up.
import type * as G from './operations.generated.ts';

export type { Projection, Source } from './operations.generated.ts';

export type User = G.UserFieldsFragment;
export type Consistency = G.ConsistencyFieldsFragment;
/** meta is a user-defined map (the JSON scalar), where the server keeps likes. */
export type Post = G.PostFieldsFragment;
export type Comment = G.CommentFieldsFragment;
export type Relationship = G.RelationshipsQuery['relationships'][number];
export type Analytics = G.AnalyticsQuery['analytics'];
export type CacheStatus = G.CacheStatusQuery['cacheStatus'];
export type ProjectionHealth = G.ProjectionHealthFieldsFragment;
export type ConnectorHealth = G.ConnectorFieldsFragment;
export type RelayHealth = NonNullable<G.ServiceHealthFieldsFragment['relay']>;
export type AppliedChange = G.ChangeFieldsFragment;
export type KafkaRecord = NonNullable<AppliedChange['kafka']>;
export type ChangeBatch = G.ChangesSubscription['changeApplied'];
export type ChangeVisibility = G.VisibilityFieldsFragment;
export type Trace = G.TraceQuery['trace'];
export type TraceSpan = Trace['spans'][number];
export type LabExperiment = G.LabFieldsFragment;
export type ProjectionControl = G.ControlFieldsFragment;
export type FaultsOverview = G.FaultsQuery['faults'];
export type ReconcileReport = G.ReconcileFieldsFragment;
export type RepairReport = G.RepairMutation['repair'];
export type DeadLetterReplay = G.ReplayDeadLettersMutation['replayDeadLetters'];

/** A service's health, its checks keyed by store. */
export type ServiceHealth = Omit<G.ServiceHealthFieldsFragment, 'checks'> & { checks: Record<string, string> | null };

type GraphQLHealth = G.HealthFieldsFragment;

/** The health report with what GraphQL lists keyed by name again. */
export interface Health extends Omit<GraphQLHealth, 'services' | 'pipeline'> {
  services: Record<keyof GraphQLHealth['services'], ServiceHealth>;
  pipeline: {
    /** users-cdc */
    connector: ConnectorHealth;
    connectors: Record<string, ConnectorHealth>;
    projections: Record<string, ProjectionHealth | null>;
    relays: Record<string, number | null>;
  };
}

const byName = <T, V>(list: readonly T[] | null, key: (t: T) => string, value: (t: T) => V): Record<string, V> => Object.fromEntries((list ?? []).map((t) => [key(t), value(t)]));

export function healthView(h: GraphQLHealth): Health {
  const service = (s: G.ServiceHealthFieldsFragment): ServiceHealth => ({ ...s, checks: s.checks && byName(s.checks, (c) => c.name, (c) => c.state) });
  const { users, posts, graph, analytics, projectors } = h.services;
  return {
    ...h,
    services: { users: service(users), posts: service(posts), graph: service(graph), analytics: service(analytics), projectors: service(projectors) },
    pipeline: {
      connector: h.pipeline.connector,
      connectors: byName(h.pipeline.connectors, (c) => c.name, (c) => ({ state: c.state, error: c.error, tasks: c.tasks })),
      projections: byName(h.pipeline.projections, (p) => p.name, (p) => p.health),
      relays: byName(h.pipeline.relays, (r) => r.name, (r) => r.backlog),
    },
  };
}

/** A write's visibleAfterMs keyed by projection (GraphQL lists it). */
export function visibleAfter(consistency: Consistency | null): Record<string, number> | null {
  if (!consistency?.visibleAfterMs) return null;
  return Object.fromEntries(consistency.visibleAfterMs.filter((v) => v.ms !== null).map((v) => [v.projection, v.ms as number]));
}
