// What each part of the system is doing, read from the live health report:
// a store that is down, a projection paused or behind, a connector or relay failing.
// Shared by the flow view (node colours) and the Faults view.
import { useEffect, useMemo, useState } from 'react';
import type { ConnectorHealth, Health, ProjectionHealth, RelayHealth, ServiceHealth } from '../api/types.ts';
import { link, type LinkState } from '../api/live.ts';
import { healthStore, STALE_AFTER_MS, type HealthState } from './health.ts';
import { useStore } from './store.ts';

export type Level = 'ok' | 'warn' | 'down' | 'unknown';

export interface ComponentStatus {
  level: Level;
  /** A word or two: "up", "paused", "lag 312". */
  text: string;
  /** Why, when it is not ok. */
  detail?: string;
  /** A figure worth showing under the name. */
  metric?: string;
}

export const COMPONENT_IDS = [
  'gateway',
  'users-svc',
  'posts-svc',
  'graph-svc',
  'postgres',
  'ferretdb',
  'neo4j',
  'connect',
  'graph-relay',
  'kafka',
  'proj-graph',
  'proj-cache',
  'proj-analytics',
  'proj-cascade',
  'redis',
  'timescaledb',
] as const;
export type ComponentId = (typeof COMPONENT_IDS)[number];

/** The projections as /health and /faults name them, per flow node. */
export const PROJECTION_OF: Record<'proj-graph' | 'proj-cache' | 'proj-analytics' | 'proj-cascade', { name: string; service: keyof Health['services'] }> = {
  'proj-graph': { name: 'graph', service: 'graph' },
  'proj-cache': { name: 'cache', service: 'projectors' },
  'proj-analytics': { name: 'analytics', service: 'analytics' },
  'proj-cascade': { name: 'user-cascade', service: 'posts' },
};

/** Messages behind before a projection counts as lagging. */
export const LAG_WARN = 50;

const unknown = (text = 'unknown', detail?: string): ComponentStatus => ({ level: 'unknown', text, ...(detail ? { detail } : {}) });

function serviceStatus(svc: ServiceHealth | undefined): ComponentStatus {
  if (!svc) return unknown('not reported');
  if (svc.status === 'ok') return { level: 'ok', text: 'up' };
  if (svc.status === 'down') return { level: 'down', text: 'down', detail: svc.error ?? 'does not answer' };
  return { level: 'warn', text: 'degraded', detail: svc.error ?? Object.entries(svc.checks ?? {}).filter(([, v]) => v !== 'ok' && v !== 'up').map(([k, v]) => `${k}: ${v}`).join(', ') };
}

/** A store as its owning service sees it (the owner's health check). */
function storeStatus(owner: ServiceHealth | undefined, check: string, ownerName: string): ComponentStatus {
  if (!owner || owner.status === 'down') return unknown('unknown', `its owner, the ${ownerName} service, does not answer`);
  const value = owner.checks?.[check];
  if (value === undefined) return unknown('not reported');
  if (value === 'ok' || value === 'up') return { level: 'ok', text: 'up' };
  return { level: 'down', text: 'down', detail: `${ownerName} reports ${check}: ${value}${owner.error ? ` (${owner.error})` : ''}` };
}

function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  return value >= 10_000 ? `${(value / 1000).toFixed(0)} s` : value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

function projectionStatus(p: ProjectionHealth | null | undefined, owner: ServiceHealth | undefined, ownerName: string): ComponentStatus {
  if (!owner || owner.status === 'down') return { level: 'down', text: 'down', detail: `the ${ownerName} service that runs it does not answer` };
  if (!p) return unknown('off', `the ${ownerName} service runs without it`);
  const lag = typeof p.lag === 'number' ? p.lag : null;
  const metric = `lag ${lag ?? '?'} · p50 ${ms(p.latency?.p50)}`;
  if (p.faults?.paused) return { level: 'warn', text: 'paused', detail: `paused${p.faults.pausedSince ? ` since ${new Date(p.faults.pausedSince).toLocaleTimeString()}` : ''}; ${lag ?? '?'} messages wait in Kafka`, metric };
  if (p.running === false) return { level: 'down', text: 'stopped', detail: 'the consumer is not running', metric };
  const faults = [p.faults?.delayMs ? `delay ${p.faults.delayMs} ms` : '', p.faults?.duplicate ? 'duplicate' : ''].filter(Boolean).join(', ');
  if (lag === null) return { level: 'warn', text: 'lag unknown', detail: 'no lag reported: Kafka does not answer', metric };
  if (lag >= LAG_WARN) return { level: 'warn', text: `lag ${lag}`, detail: `${lag} messages not applied yet${faults ? `; faults: ${faults}` : ''}`, metric };
  if (faults) return { level: 'warn', text: faults, detail: `faults on purpose: ${faults}`, metric };
  return { level: 'ok', text: 'applying', metric };
}

/** The outbox relay, which runs in the graph service: down with it, failing when it cannot publish. */
function relayStatus(relay: RelayHealth | undefined, owner: ServiceHealth | undefined): ComponentStatus {
  if (!owner || owner.status === 'down') return { level: 'down', text: 'down', detail: 'the graph service that runs it does not answer' };
  if (!relay) return unknown('not reported');
  const metric = `backlog ${relay.backlog ?? '?'}`;
  if (!relay.running) return { level: 'warn', text: 'off', detail: 'the graph service runs without its relay: follows wait in the outbox', metric };
  if (relay.lastError) return { level: 'warn', text: 'failing', detail: `cannot publish, the events wait in the outbox: ${relay.lastError}`, metric };
  if (relay.backlog !== null && relay.backlog >= LAG_WARN) return { level: 'warn', text: `backlog ${relay.backlog}`, detail: `${relay.backlog} events wait in the outbox`, metric };
  return { level: 'ok', text: 'publishing', metric };
}

/** Debezium: one node for its connectors (posts and users); ok only when every one runs, with all its tasks. */
function captureStatus(connectors: Record<string, ConnectorHealth>): ComponentStatus {
  const entries = Object.entries(connectors);
  if (entries.length === 0) return unknown('not reported');
  const running = (c: ConnectorHealth) => c.state === 'RUNNING' && c.tasks.length > 0 && c.tasks.every((t) => t.state === 'RUNNING');
  const failing = entries.filter(([, c]) => !running(c));
  // Connectors running of all, short enough to sit beside the state word in the node; the names are in the detail.
  const metric = `${entries.length - failing.length}/${entries.length}`;
  if (failing.length === 0) return { level: 'ok', text: 'capturing', detail: `${entries.map(([name]) => name).join(', ')} RUNNING`, metric };
  if (failing.every(([, c]) => c.state === 'UNREACHABLE')) return { level: 'down', text: 'down', detail: failing[0]![1].error ?? 'Kafka Connect does not answer' };
  const why = ([name, c]: [string, ConnectorHealth]) => `${name}: ${c.error ?? (c.tasks.map((t) => `task ${t.id} ${t.state}${t.error ? ` (${t.error})` : ''}`).join('; ') || c.state)}`;
  const [name, first] = failing[0]!;
  return { level: failing.every(([, c]) => c.state === 'PAUSED') ? 'warn' : 'down', text: `${name} ${first.state.toLowerCase()}`, detail: failing.map(why).join(' · '), metric };
}

export function deriveStatuses(state: HealthState, linkState: LinkState, now: number): Record<ComponentId, ComponentStatus> {
  const result = {} as Record<ComponentId, ComponentStatus>;
  const health: Health | null = state.health;
  const fresh = health !== null && state.receivedAt !== null && now - state.receivedAt < STALE_AFTER_MS;
  if (!fresh || !health) {
    const why = linkState === 'open' ? 'waiting for the health report' : 'no connection to the gateway';
    for (const id of COMPONENT_IDS) result[id] = unknown('unknown', why);
    result.gateway = linkState === 'open' ? { level: 'ok', text: 'connected', detail: why } : { level: 'down', text: 'unreachable', detail: 'the WebSocket to the gateway is closed; retrying' };
    return result;
  }
  const s = health.services;
  result.gateway = { level: 'ok', text: 'up', metric: 'WebSocket live' };
  result['users-svc'] = serviceStatus(s.users);
  result['posts-svc'] = serviceStatus(s.posts);
  result['graph-svc'] = serviceStatus(s.graph);
  result.postgres = storeStatus(s.users, 'postgres', 'users');
  result.ferretdb = storeStatus(s.posts, 'mongo', 'posts');
  result.neo4j = storeStatus(s.graph, 'neo4j', 'graph');
  result.timescaledb = storeStatus(s.analytics, 'timescaledb', 'analytics');
  // One node for both instances: the cache (:6379) and the state store (:6380).
  const redis = health.stores.redis;
  const stateStore = health.stores.redisState;
  result.redis = !redis
    ? unknown()
    : redis.status !== 'ok'
      ? { level: 'down', text: 'down', detail: `the cache: ${redis.error ?? 'does not answer the gateway'}` }
      : stateStore && stateStore.status !== 'ok'
        ? { level: 'down', text: 'state down', detail: `the state store (sessions, watermarks): ${stateStore.error ?? 'does not answer the gateway'}` }
        : { level: 'ok', text: 'up' };

  result.connect = captureStatus(health.pipeline.connectors ?? { 'users-cdc': health.pipeline.connector });
  result['graph-relay'] = relayStatus(s.graph.relay ?? undefined, s.graph);

  for (const [id, { name, service }] of Object.entries(PROJECTION_OF) as Array<[keyof typeof PROJECTION_OF, (typeof PROJECTION_OF)[keyof typeof PROJECTION_OF]]>) {
    result[id] = projectionStatus(health.pipeline.projections[name], s[service], service);
  }

  // Kafka has no health of its own here: it answers when the projections can read their lag from it.
  const reporting = Object.values(health.pipeline.projections).filter((p): p is ProjectionHealth => !!p && p.running !== false);
  const lags = reporting.map((p) => p.lag);
  result.kafka = lags.some((l) => typeof l === 'number')
    ? { level: 'ok', text: 'up', metric: `total lag ${lags.reduce<number>((a, l) => a + (typeof l === 'number' ? l : 0), 0)}` }
    : reporting.length > 0
      ? { level: 'down', text: 'down', detail: 'no projection can read its lag from Kafka' }
      : unknown('unknown', 'no running projection to ask');
  return result;
}

export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export function useComponentStatuses(): Record<ComponentId, ComponentStatus> {
  const health = useStore(healthStore);
  const linkState = useStore(link).state;
  const now = useNow(2000);
  return useMemo(() => deriveStatuses(health, linkState, now), [health, linkState, now]);
}

export function formatMs(value: number | null | undefined): string {
  return ms(value);
}
