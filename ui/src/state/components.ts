// What each part of the system is doing, read from the live health report:
// a store that is down, a projection paused or behind, a relay failing.
// Shared by the flow view (node colours) and the Faults view.
import { useEffect, useMemo, useState } from 'react';
import type { Health, ProjectionHealth, ServiceHealth } from '../api/types.ts';
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
  'posts-relay',
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
export const PROJECTION_OF: Record<'proj-graph' | 'proj-cache' | 'proj-analytics' | 'proj-cascade', { name: string; service: string }> = {
  'proj-graph': { name: 'graph', service: 'graph' },
  'proj-cache': { name: 'projectors', service: 'projectors' },
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

function relayStatus(body: ServiceHealth | undefined): ComponentStatus {
  const base = serviceStatus(body);
  if (!body || base.level === 'down') return base;
  const backlog = typeof body.backlog === 'number' ? body.backlog : null;
  const metric = `backlog ${backlog ?? '?'}`;
  const failing = (body.failing as string | null | undefined) ?? null;
  if (failing) return { level: 'warn', text: 'failing', detail: String(failing), metric };
  if (backlog !== null && backlog >= LAG_WARN) return { level: 'warn', text: `backlog ${backlog}`, detail: `${backlog} events wait in the outbox`, metric };
  return { ...base, metric };
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

  const connector = health.pipeline.connector;
  const tasksOk = connector.tasks.length > 0 && connector.tasks.every((t) => t.state === 'RUNNING');
  result.connect =
    connector.state === 'RUNNING' && tasksOk
      ? { level: 'ok', text: 'capturing', metric: 'users-cdc RUNNING' }
      : connector.state === 'UNREACHABLE'
        ? { level: 'down', text: 'down', detail: connector.error ?? 'Kafka Connect does not answer' }
        : { level: connector.state === 'PAUSED' ? 'warn' : 'down', text: connector.state.toLowerCase(), detail: connector.error ?? connector.tasks.map((t) => `task ${t.id}: ${t.state}${t.error ? ` (${t.error})` : ''}`).join('; ') };

  result['posts-relay'] = relayStatus(s['posts-relay']);
  result['graph-relay'] = relayStatus(s['graph-relay']);

  for (const [id, { name, service }] of Object.entries(PROJECTION_OF) as Array<[keyof typeof PROJECTION_OF, { name: string; service: string }]>) {
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
