// The system's health, live: the gateway's `health` subscription (one report
// every 2 s from its shared poller). A short history is kept for the lag and
// backlog charts of the Faults view.
import { S } from '../api/documents.ts';
import { subscribe } from '../api/live.ts';
import { healthView, type Health } from '../api/types.ts';
import { createStore } from './store.ts';

export interface HealthState {
  health: Health | null;
  receivedAt: number | null;
  error: string | null;
}

export const healthStore = createStore<HealthState>({ health: null, receivedAt: null, error: null });

export interface HealthPoint {
  t: number;
  lag: Record<string, number | null>;
  backlog: Record<string, number | null>;
  /** commit → applied p50 per projection, ms */
  p50: Record<string, number | null>;
}

const HISTORY = 300;
export const healthHistory = createStore<HealthPoint[]>([]);

/** A report older than this is not current: the gateway stopped sending. */
export const STALE_AFTER_MS = 7000;

function record(health: Health): void {
  const t = Date.parse(health.checkedAt) || Date.now();
  const lag: Record<string, number | null> = {};
  const p50: Record<string, number | null> = {};
  for (const [name, p] of Object.entries(health.pipeline.projections ?? {})) {
    lag[name] = typeof p?.lag === 'number' ? p.lag : null;
    p50[name] = typeof p?.latency?.p50 === 'number' ? p.latency.p50 : null;
  }
  const backlog: Record<string, number | null> = {};
  for (const [name, b] of Object.entries(health.pipeline.relays ?? {})) backlog[name] = typeof b === 'number' ? b : null;
  healthHistory.set((h) => [...h.slice(-(HISTORY - 1)), { t, lag, backlog, p50 }]);
}

let started = false;
export function startHealth(): void {
  if (started) return;
  started = true;
  // An operation error ends a graphql-ws subscription (e.g. signed out with AUTH_REQUIRED): subscribe again a little later.
  const open = (): void => {
    subscribe(S.health, {}, {
      next: (data) => {
        const health = healthView(data.health);
        healthStore.set({ health, receivedAt: Date.now(), error: null });
        record(health);
      },
      error: (message) => {
        healthStore.set((s) => ({ ...s, error: message }));
        window.setTimeout(open, 2000);
      },
    });
  };
  open();
}
