// The architecture as the flow view draws it: where each part sits, and the
// edges a change travels. Positions are in diagram units (React Flow fits
// them to the screen).
import { PIPELINE_TOPICS } from '@polyglot/contracts/topics';
import type { Projection, Source } from '../api/types.ts';
import type { ComponentId } from '../state/components.ts';

export type NodeKind = 'entry' | 'service' | 'store' | 'pipeline' | 'projection';

export interface NodeSpec {
  id: ComponentId;
  title: string;
  /** What it is, in a few words. */
  tech: string;
  kind: NodeKind;
  x: number;
  y: number;
  /** The store's colour (a thin accent), for stores only. */
  accent?: string;
}

// Wider gaps where the edges carry a delay label.
const COL = { gateway: 0, service: 195, store: 390, capture: 585, kafka: 840, projection: 1095, sink: 1350 };
const ROW = (n: number) => n * 110;

// Sources in rows (posts, users, follows), Kafka in the middle, the projections
// that write a store of their own to the right; the two that write back into a
// source's store (graph projection → Neo4j, user cascade → FerretDB) sit just
// below and above it, so no line crosses another. Debezium captures both posts
// and users from their store's log, so it sits between their two rows.
export const NODES: NodeSpec[] = [
  { id: 'gateway', title: 'gateway', tech: 'REST · GraphQL · :4000', kind: 'entry', x: COL.gateway, y: ROW(1) },
  { id: 'posts-svc', title: 'posts service', tech: 'Node · :4002', kind: 'service', x: COL.service, y: ROW(0) },
  { id: 'users-svc', title: 'users service', tech: 'Node · :4001', kind: 'service', x: COL.service, y: ROW(1) },
  { id: 'graph-svc', title: 'graph service', tech: 'Node · :4003', kind: 'service', x: COL.service, y: ROW(2) },
  { id: 'ferretdb', title: 'FerretDB', tech: 'posts · MongoDB wire', kind: 'store', x: COL.store, y: ROW(0), accent: '#3f8f5f' },
  { id: 'postgres', title: 'PostgreSQL', tech: 'users · WAL', kind: 'store', x: COL.store, y: ROW(1), accent: '#336791' },
  { id: 'neo4j', title: 'Neo4j', tech: 'follows · graph', kind: 'store', x: COL.store, y: ROW(2), accent: '#1a7fb5' },
  { id: 'connect', title: 'Debezium', tech: 'Kafka Connect · CDC', kind: 'pipeline', x: COL.capture, y: ROW(0.5) },
  { id: 'graph-relay', title: 'outbox relay', tech: 'in graph service', kind: 'pipeline', x: COL.capture, y: ROW(2) },
  { id: 'kafka', title: 'Kafka', tech: `the log · ${PIPELINE_TOPICS.length} topics`, kind: 'pipeline', x: COL.kafka, y: ROW(1) },
  { id: 'proj-cascade', title: 'user cascade', tech: 'in posts service', kind: 'projection', x: COL.capture, y: ROW(-1) - 10 },
  { id: 'proj-graph', title: 'graph projection', tech: 'in graph service', kind: 'projection', x: COL.capture, y: ROW(3) + 10 },
  { id: 'proj-cache', title: 'cache projection', tech: 'projectors', kind: 'projection', x: COL.projection, y: ROW(0.5) },
  { id: 'proj-analytics', title: 'analytics projection', tech: 'in analytics service', kind: 'projection', x: COL.projection, y: ROW(1.5) },
  { id: 'redis', title: 'Redis', tech: 'cache · state', kind: 'store', x: COL.sink, y: ROW(0.5), accent: '#c4412f' },
  { id: 'timescaledb', title: 'TimescaleDB', tech: 'analytics · hypertable', kind: 'store', x: COL.sink, y: ROW(1.5), accent: '#b7791f' },
];

export type EdgeRole = 'request' | 'commit' | 'capture' | 'publish' | 'consume' | 'apply' | 'read';
type Side = 'l' | 'r' | 't' | 'b';

export interface EdgeSpec {
  id: string;
  source: ComponentId;
  target: ComponentId;
  role: EdgeRole;
  /** Handles: the side of the source it leaves and of the target it enters (default right → left). */
  from?: Side;
  to?: Side;
  /** Right angles around other nodes (with this offset) instead of a curve. */
  step?: number;
  /** What its delay figure measures, when it has one. */
  delay?: string;
  /** Animated by real changes (false: drawn for the architecture only). */
  live: boolean;
}

const e = (source: ComponentId, target: ComponentId, role: EdgeRole, extra: Partial<EdgeSpec> = {}): EdgeSpec => ({ id: `${source}>${target}`, source, target, role, live: true, ...extra });

export const EDGES: EdgeSpec[] = [
  e('gateway', 'users-svc', 'request', { live: false }),
  e('gateway', 'posts-svc', 'request', { live: false }),
  e('gateway', 'graph-svc', 'request', { live: false }),
  e('gateway', 'redis', 'read', { live: false, from: 't', to: 't', step: 215 }),
  e('users-svc', 'postgres', 'commit'),
  e('posts-svc', 'ferretdb', 'commit'),
  e('graph-svc', 'neo4j', 'commit'),
  e('ferretdb', 'connect', 'capture'),
  e('postgres', 'connect', 'capture'),
  e('neo4j', 'graph-relay', 'capture'),
  e('connect', 'kafka', 'publish', { delay: 'commit → Kafka' }),
  e('graph-relay', 'kafka', 'publish', { delay: 'commit → Kafka' }),
  e('kafka', 'proj-cache', 'consume', { delay: 'Kafka → applied' }),
  e('kafka', 'proj-analytics', 'consume', { delay: 'Kafka → applied' }),
  e('kafka', 'proj-graph', 'consume', { delay: 'Kafka → applied', from: 'b', to: 'r', step: 20 }),
  e('kafka', 'proj-cascade', 'consume', { live: false, from: 't', to: 'r', step: 20 }),
  e('proj-cache', 'redis', 'apply', { delay: 'commit → visible' }),
  e('proj-analytics', 'timescaledb', 'apply', { delay: 'commit → visible' }),
  e('proj-graph', 'neo4j', 'apply', { delay: 'commit → visible', from: 'l', to: 'b', step: 20 }),
  e('proj-cascade', 'ferretdb', 'apply', { live: false, from: 'l', to: 't', step: 20 }),
];

/** The edges a change travels from its commit to Kafka. */
export const SOURCE_HOPS: Record<Source, [commit: string, capture: string, publish: string]> = {
  users: ['users-svc>postgres', 'postgres>connect', 'connect>kafka'],
  posts: ['posts-svc>ferretdb', 'ferretdb>connect', 'connect>kafka'],
  graph: ['graph-svc>neo4j', 'neo4j>graph-relay', 'graph-relay>kafka'],
};

/** The edges from Kafka into each projection's store. */
export const PROJECTION_HOPS: Record<Projection, [consume: string, apply: string]> = {
  graph: ['kafka>proj-graph', 'proj-graph>neo4j'],
  cache: ['kafka>proj-cache', 'proj-cache>redis'],
  analytics: ['kafka>proj-analytics', 'proj-analytics>timescaledb'],
};

export const SOURCE_COLOURS: Record<Source, string> = { users: '#3b6fd8', posts: '#2f9e6e', graph: '#9b59b6' };
