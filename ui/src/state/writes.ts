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

// The tokens of the writes made from this browser (any of its tabs: a flow view
// left open in one window draws the writes made in another).
const mine = new Set<string>();
const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel('polyglot-writes');
if (channel) channel.onmessage = (event: MessageEvent<string>) => void (typeof event.data === 'string' && remember(event.data));

function remember(token: string): void {
  mine.add(token);
  if (mine.size > 1000) mine.delete(mine.values().next().value!);
}

/** Whether this browser made the write with this token (the flow view always draws those). */
export function isMyWrite(token: string): boolean {
  return mine.has(token);
}

export function recordWrite(what: string, consistency: Consistency | null | undefined): MyWrite | null {
  if (!consistency) return null;
  const write = { token: consistency.token, what, mode: consistency.mode, at: Date.now(), visibleAfterMs: consistency.visibleAfterMs };
  remember(write.token);
  channel?.postMessage(write.token);
  myWrites.set((list) => [write, ...list.filter((w) => w.token !== write.token)].slice(0, 30));
  return write;
}
