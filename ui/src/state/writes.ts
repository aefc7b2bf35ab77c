// The writes made from this page, newest first, with their consistency
// tokens: the Timeline view lists them, and the store panels show where each
// one is visible.
import { visibleAfter, type Consistency } from '../api/types.ts';
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
// left open in one window draws the writes made in another), each with the
// position of the change it turned out to be once a notice of it arrived.
//
// A token's position is where its source stood when the write began (for a
// user, the WAL insert position under the row's lock); the change itself lands
// at or after it, right after it when nothing else writes to the WAL at that
// moment, a little further on when something does. So a notice is matched to
// the newest of this entity's tokens at or before it, once, and later notices
// of the entity match only at that same position.
const mine = new Map<string, { source: string; entityId: string; position: number; changeAt: number | null }>();
const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel('polyglot-writes');
if (channel) channel.onmessage = (event: MessageEvent<string>) => void (typeof event.data === 'string' && remember(event.data));

function remember(token: string): void {
  const first = token.indexOf(':');
  const last = token.lastIndexOf(':');
  const position = Number(token.slice(last + 1));
  if (first <= 0 || last <= first || !Number.isFinite(position) || mine.has(token)) return;
  mine.set(token, { source: token.slice(0, first), entityId: token.slice(first + 1, last), position, changeAt: null });
  if (mine.size > 1000) mine.delete(mine.keys().next().value!);
}

/** Whether this browser made the write with this token (the flow view always draws those). */
export function isMyWrite(token: string): boolean {
  return mine.has(token);
}

/** The token of this browser's write that a change notice is about, if any (see above). */
export function myTokenFor(source: string, entityId: string, position: number): string | undefined {
  let best: string | undefined;
  let bestPosition = -1;
  for (const [token, w] of mine) {
    if (w.source !== source || w.entityId !== entityId || w.position > position || w.position <= bestPosition) continue;
    if (w.changeAt !== null && w.changeAt !== position) continue;
    best = token;
    bestPosition = w.position;
  }
  if (best !== undefined) mine.get(best)!.changeAt = position;
  return best;
}

export function recordWrite(what: string, consistency: Consistency | null | undefined): MyWrite | null {
  if (!consistency) return null;
  const write = { token: consistency.token, what, mode: consistency.mode, at: Date.now(), visibleAfterMs: visibleAfter(consistency) };
  remember(write.token);
  channel?.postMessage(write.token);
  myWrites.set((list) => [write, ...list.filter((w) => w.token !== write.token)].slice(0, 30));
  return write;
}
