// The writes made from this page, newest first, with their consistency
// tokens: the Timeline view lists them, and the store panels show where each
// one is visible. Each keeps the trace it started, when the gateway's answer
// named a sampled one (traceresponse), so its timeline links to its trace.
import { visibleAfter, type Consistency } from '../api/types.ts';
import { createStore } from './store.ts';

export interface MyWrite {
  token: string;
  what: string;
  mode: string;
  at: number;
  visibleAfterMs: Record<string, number> | null;
  /** The trace of the write's request (traceresponse, sampled): null when there is none to show. */
  traceId: string | null;
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
/** The trace of each of those writes that has one, by token (the other tabs' too). */
const traces = new Map<string, string>();
const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel('polyglot-writes');
// A token alone, or {token, traceId} for a write with a trace.
if (channel) {
  channel.onmessage = (event: MessageEvent<unknown>) => {
    const data = event.data as string | { token?: unknown; traceId?: unknown } | null;
    if (typeof data === 'string') return remember(data);
    if (typeof data?.token !== 'string') return;
    remember(data.token);
    if (typeof data.traceId === 'string') rememberTrace(data.token, data.traceId);
  };
}

function rememberTrace(token: string, traceId: string): void {
  traces.set(token, traceId);
  if (traces.size > 1000) traces.delete(traces.keys().next().value!);
}

/** The trace of this browser's write with this token; null for a change someone else wrote (no trace id to show). */
export function traceIdOf(token: string): string | null {
  return traces.get(token) ?? null;
}

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

/** traceId: from gqlWrite (the answer's traceresponse, only when sampled). */
export function recordWrite(what: string, consistency: Consistency | null | undefined, traceId: string | null = null): MyWrite | null {
  if (!consistency) return null;
  const write: MyWrite = { token: consistency.token, what, mode: consistency.mode, at: Date.now(), visibleAfterMs: visibleAfter(consistency), traceId };
  remember(write.token);
  if (traceId) rememberTrace(write.token, traceId);
  channel?.postMessage(traceId ? { token: write.token, traceId } : write.token);
  myWrites.set((list) => [write, ...list.filter((w) => w.token !== write.token)].slice(0, 30));
  return write;
}
