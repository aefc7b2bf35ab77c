// Loading a query into a view: loading, data, error, reload, and a refresh
// when the change feed says that what the view shows has changed (throttled:
// a busy system refreshes a view at most every `minIntervalMs`).
import { useCallback, useEffect, useRef, useState } from 'react';
import type { AppliedChange } from '../api/types.ts';
import { onChanges } from './changes.ts';

export interface QueryState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again (keeps showing the current data meanwhile). */
  reload: () => void;
}

export function useQuery<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): QueryState<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: null, loading: true });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ data, error: null, loading: false });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setState((s) => ({ data: s.data, error, loading: false }));
      },
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload };
}

/** Calls `refresh` when a change matching `relevant` is applied, at most every `minIntervalMs`. */
export function useRefreshOnChanges(relevant: (change: AppliedChange) => boolean, refresh: () => void, minIntervalMs = 1500): void {
  const relevantRef = useRef(relevant);
  const refreshRef = useRef(refresh);
  relevantRef.current = relevant;
  refreshRef.current = refresh;
  useEffect(() => {
    let last = 0;
    let timer: number | undefined;
    const off = onChanges((changes) => {
      if (!changes.some((c) => relevantRef.current(c))) return;
      if (timer !== undefined) return;
      const wait = Math.max(0, last + minIntervalMs - Date.now());
      timer = window.setTimeout(() => {
        timer = undefined;
        last = Date.now();
        refreshRef.current();
      }, wait);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [minIntervalMs]);
}
