// The writes made from this page, newest first, with their consistency
// tokens: the Timeline view lists them, and the store panels show where each
// one is visible.
import type { Consistency } from '../api/types.ts';
import { createStore } from './store.ts';

export interface MyWrite {
  token: string;
  what: string;
  mode: string;
  at: number;
  visibleAfterMs: Record<string, number> | null;
}

export const myWrites = createStore<MyWrite[]>([]);

export function recordWrite(what: string, consistency: Consistency | null | undefined): MyWrite | null {
  if (!consistency) return null;
  const write = { token: consistency.token, what, mode: consistency.mode, at: Date.now(), visibleAfterMs: consistency.visibleAfterMs };
  myWrites.set((list) => [write, ...list.filter((w) => w.token !== write.token)].slice(0, 30));
  return write;
}
