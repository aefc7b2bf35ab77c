// The shapes the gateway's GraphQL schema answers (services/gateway/src/entry-points/graphql.schema.ts).
import type { z } from 'zod';
import type { DeadLetterEntry as DeadLetterSchema, DeadLetterReplayResult } from '@polyglot/contracts/api';

export type Source = 'users' | 'posts' | 'graph';
export type Projection = 'graph' | 'cache' | 'analytics';
export type Mode = 'EVENTUAL' | 'STRONG';

export interface User {
  id: number;
  /** null, when the gateway runs with AUTH_REQUIRED, for anyone but the signed-in user */
  email: string | null;
  name: string;
  created_at: string;
  updated_at: string;
}

export interface Consistency {
  token: string;
  mode: Mode;
  visibleAfterMs: Record<string, number> | null;
}

export interface PostAuthor {
  id: number;
  name: string;
  /** null, when the gateway runs with AUTH_REQUIRED, unless the author is the signed-in user */
  email: string | null;
}

export interface Comment {
  id: string;
  post_id: string;
  author_id: number;
  body: string;
  createdAt: string;
}

export interface Post {
  _id: string;
  author_id: number;
  title: string;
  body: string;
  tags: string[];
  meta: { likes: number; [key: string]: unknown };
  comments_count: number;
  createdAt: string;
  updatedAt: string;
  user: PostAuthor | null;
}

export interface PostsPage {
  items: Post[];
  total: number;
  hasMore: boolean;
  nextBefore: string | null;
}

export interface Relationship {
  followerId: number;
  followerName: string | null;
  followeeId: number;
  followeeName: string | null;
}

export interface Analytics {
  stats: { totalEvents: number; totalUsers: number; totalPosts: number; eventTypes: Record<string, number> };
  events: Array<{ time: string; user_id: number | null; event_type: string; properties: Record<string, unknown> }>;
  series: Array<{ minute: string; event_type: string; count: number }>;
  topUsers: Array<{ user_id: number; events: number }>;
}

export interface CacheStatus {
  connected: boolean;
  /** megabytes (used_memory / 1048576), 2 decimals */
  memory: number;
  memoryBytes: number;
  /** Redis used_memory_human, e.g. "1.23M" */
  memoryHuman: string;
  keys: number;
  /** percent 0..100, 2 decimals */
  hitRate: number;
  /** fraction 0..1 */
  hitRatio: number;
  hits: number;
  misses: number;
  evictions: number;
  opsPerSec: number;
}

export interface Latency {
  count: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

export interface ProjectionFaults {
  paused: boolean;
  pausedSince: string | null;
  delayMs: number;
  duplicate: boolean;
  duplicated: number;
}

/** A consumer's block in /health (graph, cache, analytics, user-cascade). */
export interface ProjectionHealth {
  running?: boolean;
  lag?: number | null;
  processed?: number;
  /** Tries that failed for the message's own sake (retried or dead-lettered). */
  failed?: number;
  deadLettered?: number;
  lastAppliedAt?: string | null;
  latency?: Latency | null;
  faults?: ProjectionFaults;
  waitingForStore?: { since: string; error: string } | null;
}

/** The outbox relay the graph service runs, as its /health reports it. */
export interface RelayHealth {
  /** false when the service runs without it (GRAPH_RELAY=off) */
  running: boolean;
  /** events waiting in the outbox; null when Neo4j does not answer */
  backlog: number | null;
  published: number;
  lastPublishedAt: string | null;
  /** why its last round failed (Kafka or Neo4j down) */
  lastError: string | null;
  deadLettered: number;
}

export interface ServiceHealth {
  status: string;
  error?: string;
  code?: string;
  checks?: Record<string, string>;
  projection?: ProjectionHealth;
  userCascade?: ProjectionHealth;
  /** the graph service's outbox relay */
  relay?: RelayHealth;
  [key: string]: unknown;
}

/** A Debezium connector in Kafka Connect, as /health reports it. */
export interface ConnectorHealth {
  state: string;
  tasks: Array<{ id: number; state: string; error?: string }>;
  error?: string;
}

export interface Health {
  status: string;
  healthy: boolean;
  checkedAt: string;
  services: Record<string, ServiceHealth>;
  /** redis: the cache; redisState: the state store (sessions, watermarks, ...), which never evicts. */
  stores: { redis?: { status: string; error?: string }; redisState?: { status: string; error?: string } };
  pipeline: {
    /** users-cdc */
    connector: ConnectorHealth;
    /** Every connector by name: users-cdc and posts-cdc (absent from a gateway older than the posts capture). */
    connectors?: Record<string, ConnectorHealth>;
    projections: Record<string, ProjectionHealth | null>;
    relays: Record<string, number | null>;
  };
}

export interface KafkaRecord {
  topic: string;
  partition: number;
  offset: string;
  publishedAt: number;
}

export interface AppliedChange {
  projection: Projection;
  source: Source;
  entityId: string;
  position: number;
  token: string;
  type: string;
  committedAt: number;
  appliedAt: number;
  visibleAfterMs: number;
  kafka: KafkaRecord | null;
}

export interface ChangeBatch {
  changes: AppliedChange[];
  dropped: number;
  from: number | null;
  to: number | null;
}

export interface ChangeVisibility {
  token: string;
  source: Source;
  entityId: string;
  position: number;
  committedAt: string | null;
  /** When Debezium read it from the WAL (users only). */
  capturedAt: string | null;
  publishedAt: string | null;
  complete: boolean;
  projections: Array<{ projection: Projection; applied: boolean; appliedAt: string | null; visibleAfterMs: number | null }>;
}

export interface LabStore {
  projection: Projection;
  store: string;
  role: string;
  reads: number;
  stale: number;
  staleRatio: number;
  timeToVisibleMs: Latency;
}

export interface LabExperiment {
  id: string;
  input: { mode: string; writes: number; rate: number; kind: string };
  startedAt: string;
  durationMs: number;
  failedWrites: number;
  writeLatencyMs: Latency;
  stores: LabStore[];
}

export interface ProjectionControl {
  name: string;
  service: string;
  faults: ProjectionFaults | null;
  running: boolean | null;
  lag: number | null;
  error: string | null;
}

export interface UnitState {
  name: string;
  kind: string;
  state: string;
  pid: number | null;
}

export interface FaultAction {
  at: string;
  action: string;
  target: string;
  by: { userId: number | null; email: string | null; address: string };
  detail: unknown;
  outcome: string;
  error: string | null;
  durationMs: number;
}

export interface FaultsOverview {
  projections: ProjectionControl[];
  units: { available: boolean; reason: string | null; controllable: string[]; actions: string[]; states: UnitState[] };
  recent: FaultAction[];
}

export interface Drift {
  kind: 'missing' | 'extra' | 'stale' | string;
  store: string;
  entity: string;
  id: string;
  expected?: unknown;
  actual?: unknown;
}

export interface ReconcileReport {
  checkedAt: string;
  durationMs: number;
  passes: number;
  drift: Drift[];
  /** entity kind → store → how many each store holds */
  counts: Record<string, Record<string, number>>;
  total: number;
}

export interface RepairReport {
  repaired: Drift[];
  actions: Record<string, unknown>;
  durationMs: number;
  report: ReconcileReport;
}

/** A message a projection gave up on (or a relay could not produce), with the id a replay names: the REST and GraphQL shapes are the same zod schema's. */
export type DeadLetter = z.infer<typeof DeadLetterSchema>;
export type DeadLetterReplay = DeadLetterReplayResult;
