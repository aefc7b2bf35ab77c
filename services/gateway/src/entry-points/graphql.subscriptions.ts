// The live streams, as GraphQL subscriptions over graphql-ws. Each is fed by
// what the gateway already listens to: the projections' announcements (one
// Redis subscription, WatermarkWatcher) and the shared health poller. None
// polls per subscriber, and none can fall behind: a slow client gets merged
// messages (LiveChannel), not a growing queue.
import { formatToken, parseToken, TokenText, type AppliedNotice, type ConsistencyToken, type ProjectionName, type SourceName } from '@polyglot/contracts/consistency';
import { z } from 'zod';
import type { WatermarkWatcher } from '../data-access/watermark-watcher.ts';
import type { GatewayDeps } from '../domain/gateway-deps.ts';
import type { HealthFeed, HealthSnapshot } from '../domain/health-feed.ts';
import { visibilityOf, type ChangeVisibility } from '../domain/consistency.use-case.ts';
import { parseInput } from './graphql.errors.ts';
import { LiveChannel } from './live-channel.ts';

/** Hundreds of changes a second become a handful of messages: one per window per subscriber. */
export const BATCH_WINDOW_MS = 200;
/** Beyond this a window's changes are counted (dropped), not sent: a client drawing them could not keep up anyway. */
export const MAX_CHANGES_PER_BATCH = 2000;

export interface AppliedChange extends AppliedNotice {
  token: string;
  visibleAfterMs: number;
}

export interface ChangeBatch {
  changes: AppliedChange[];
  dropped: number;
  from: number | null;
  to: number | null;
}

export interface ChangeFilter {
  source?: SourceName | null;
  entityId?: string | null;
  projection?: ProjectionName | null;
}

function batchOf(changes: AppliedChange[], dropped: number): ChangeBatch {
  let from: number | null = null;
  let to: number | null = null;
  for (const c of changes) {
    if (from === null || c.appliedAt < from) from = c.appliedAt;
    if (to === null || c.appliedAt > to) to = c.appliedAt;
  }
  return { changes, dropped, from, to };
}

/** A batch the client has not taken yet absorbs the next one, up to the limit. */
export function mergeBatches(waiting: ChangeBatch, next: ChangeBatch): ChangeBatch {
  const room = Math.max(0, MAX_CHANGES_PER_BATCH - waiting.changes.length);
  const kept = next.changes.slice(0, room);
  return batchOf(waiting.changes.concat(kept), waiting.dropped + next.dropped + (next.changes.length - kept.length));
}

/** Every change the projections apply (or those matching the filter), batched per window. */
export function changeAppliedStream(watcher: Pick<WatermarkWatcher, 'listen'>, filter: ChangeFilter, windowMs = BATCH_WINDOW_MS): LiveChannel<ChangeBatch> {
  let window: AppliedChange[] = [];
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  const matches = (n: AppliedNotice) =>
    (!filter.source || n.source === filter.source) && (!filter.entityId || n.entityId === filter.entityId) && (!filter.projection || n.projection === filter.projection);
  const flush = () => {
    timer = undefined;
    const batch = batchOf(window, dropped);
    window = [];
    dropped = 0;
    channel.push(batch);
  };
  const unlisten = watcher.listen((notices) => {
    for (const n of notices) {
      if (!matches(n)) continue;
      if (window.length >= MAX_CHANGES_PER_BATCH) dropped++;
      else window.push({ ...n, token: formatToken(n), visibleAfterMs: n.appliedAt - n.committedAt });
    }
    // The window opens with its first change: a quiet system sends nothing.
    if (timer === undefined && (window.length > 0 || dropped > 0)) timer = setTimeout(flush, windowMs);
  });
  const channel = new LiveChannel<ChangeBatch>({
    merge: mergeBatches,
    cleanup: () => {
      unlisten();
      clearTimeout(timer);
    },
  });
  return channel;
}

const TokenArgs = z.object({ token: TokenText });

/**
 * One change's visibility now, then again each time a projection applies it
 * (or a later change of the entity); completes once every projection shows it.
 * Reports run one at a time, so they arrive in order.
 */
export async function changeVisibilityStream(deps: GatewayDeps, args: { token: string }): Promise<LiveChannel<ChangeVisibility>> {
  const token: ConsistencyToken = parseToken(parseInput(TokenArgs, args, 'arguments').token)!;
  const mine = (n: AppliedNotice) => n.source === token.source && n.entityId === token.entityId && n.position >= token.position;
  let running = false;
  let again = false;
  const report = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const state = await visibilityOf(deps, token).catch(() => null);
        if (!state || channel.ended) continue;
        channel.push(state);
        if (state.complete) channel.close();
      } while (again && !channel.ended);
    } finally {
      running = false;
    }
  };
  // Listening before the first read: an announcement between the two cannot be missed.
  const unlisten = deps.watermarks.listen((notices) => {
    if (notices.some(mine)) void report();
  });
  const channel = new LiveChannel<ChangeVisibility>({ merge: (_, next) => next, cleanup: unlisten });
  // The first state is read here, so a Redis that does not answer is the subscription's error, not silence.
  running = true;
  try {
    await deps.watermarks.listening();
    const first = await visibilityOf(deps, token);
    channel.push(first);
    if (first.complete) channel.close();
  } catch (error) {
    await channel.return();
    throw error;
  } finally {
    running = false;
  }
  // A projection applied it while the first state was being read: report again.
  if (again && !channel.ended) void report();
  return channel;
}

/** The health report from the shared poller: now (when one is known), then every round. */
export function healthStream(feed: HealthFeed): LiveChannel<HealthSnapshot> {
  let unsubscribe = () => undefined as void;
  const channel = new LiveChannel<HealthSnapshot>({ merge: (_, next) => next, cleanup: () => unsubscribe() });
  unsubscribe = feed.subscribe((snapshot) => channel.push(snapshot));
  return channel;
}
