// A value outside React that components subscribe to: live data arrives
// many times a second, and only the components that read a piece re-render.
import { useSyncExternalStore } from 'react';

export interface Store<T> {
  get(): T;
  set(next: T | ((current: T) => T)): void;
  subscribe(listener: () => void): () => void;
}

export function createStore<T>(initial: T): Store<T> {
  let value = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => value,
    set(next) {
      const resolved = typeof next === 'function' ? (next as (current: T) => T)(value) : next;
      if (Object.is(resolved, value)) return;
      value = resolved;
      for (const l of listeners) l();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function useStore<T>(store: Store<T>): T {
  return useSyncExternalStore(store.subscribe, store.get, store.get);
}

/**
 * A counter bumped at most once per animation frame (and at most every
 * `minIntervalMs`) however often the data changes: components that show
 * fast-moving figures re-render at a fixed, bounded rate.
 */
export function createFrameTicker(minIntervalMs = 100): { bump(): void; store: Store<number> } {
  const store = createStore(0);
  let scheduled = false;
  let last = 0;
  const fire = () => {
    scheduled = false;
    last = performance.now();
    store.set((n) => n + 1);
  };
  return {
    store,
    bump() {
      if (scheduled) return;
      scheduled = true;
      const wait = last + minIntervalMs - performance.now();
      if (wait <= 0) requestAnimationFrame(fire);
      else setTimeout(() => requestAnimationFrame(fire), wait);
    },
  };
}
