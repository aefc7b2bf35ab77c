// The change feed: one `changeApplied` subscription for the whole page, from
// the moment it opens. Each notice is one projection applying one change; the
// notices of one change (one token) are gathered into one record, which the
// flow view animates, the timeline lists and the panels use to refresh.
// Bounded everywhere: a busy system costs the page a fixed amount of memory.
import { S } from '../api/documents.ts';
import { subscribe } from '../api/live.ts';
import type { AppliedChange, ChangeBatch, KafkaRecord, Projection, Source } from '../api/types.ts';
import { createFrameTicker, createStore } from './store.ts';
import { myTokenFor } from './writes.ts';

export interface ChangeRecord {
  token: string;
  source: Source;
  entityId: string;
  position: number;
  type: string;
  committedAt: number;
  /** When Kafka took it (from the first notice that carried the Kafka record). */
  kafka: KafkaRecord | null;
  /** Projection → epoch ms when it applied the change. */
  applied: Partial<Record<Projection, number>>;
  /** When this page first heard of it. */
  seenAt: number;
}

const MAX_RECORDS = 400;
const MAX_ENTITIES = 5000;
const RATE_WINDOW_S = 10;

const records = new Map<string, ChangeRecord>();
const latestByEntity = new Map<string, string>();
const perSecond = new Map<number, number>();

export const feedTotals = {
  /** Notices received (one per projection per change). */
  notices: 0,
  /** Distinct changes (tokens). */
  changes: 0,
  /** Changes the gateway counted but did not send (a window over its limit). */
  dropped: 0,
  /** Times the subscription failed and was opened again. */
  resubscribed: 0,
  since: Date.now(),
};

export const feedError = createStore<string | null>(null);

type Listener = (changes: AppliedChange[], fresh: ChangeRecord[]) => void;
const listeners = new Set<Listener>();

/** Called with every batch: the notices, and the records of changes heard of for the first time. */
export function onChanges(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const ticker = createFrameTicker();
/** Bumped at most once a frame when anything above changed. */
export const feedVersion = ticker.store;

function ingest(batch: ChangeBatch): void {
  const fresh: ChangeRecord[] = [];
  const now = Date.now();
  const second = Math.floor(now / 1000);
  perSecond.set(second, (perSecond.get(second) ?? 0) + batch.changes.length + batch.dropped);
  for (const key of perSecond.keys()) if (key < second - 60) perSecond.delete(key);
  feedTotals.notices += batch.changes.length;
  feedTotals.dropped += batch.dropped;
  const changes: AppliedChange[] = [];
  for (const notice of batch.changes) {
    // A change this browser wrote goes by the token its write answered (the two differ when the WAL moved meanwhile).
    const own = myTokenFor(notice.source, notice.entityId, notice.position);
    const c = own === undefined || own === notice.token ? notice : { ...notice, token: own };
    changes.push(c);
    let record = records.get(c.token);
    if (!record) {
      record = { token: c.token, source: c.source, entityId: c.entityId, position: c.position, type: c.type, committedAt: c.committedAt, kafka: null, applied: {}, seenAt: now };
      records.set(c.token, record);
      fresh.push(record);
      feedTotals.changes++;
      const key = `${c.source}:${c.entityId}`;
      latestByEntity.delete(key);
      latestByEntity.set(key, c.token);
    }
    record.applied[c.projection] = c.appliedAt;
    if (!record.kafka && c.kafka) record.kafka = c.kafka;
  }
  while (records.size > MAX_RECORDS) records.delete(records.keys().next().value!);
  while (latestByEntity.size > MAX_ENTITIES) latestByEntity.delete(latestByEntity.keys().next().value!);
  for (const l of listeners) l(changes, fresh);
  ticker.bump();
}

/** Newest first. */
export function recentChanges(limit = 50): ChangeRecord[] {
  const all = [...records.values()];
  return all.slice(-limit).reverse();
}

export function changeByToken(token: string): ChangeRecord | undefined {
  return records.get(token);
}

/** The newest change of an entity this page has seen (users:42, posts:<id>, graph:<followerId>). */
export function latestTokenOf(source: Source, entityId: string | number): string | undefined {
  return latestByEntity.get(`${source}:${entityId}`);
}

/** Notices per second over the last few seconds. */
export function noticeRate(): number {
  const second = Math.floor(Date.now() / 1000);
  let sum = 0;
  for (let s = second - RATE_WINDOW_S + 1; s <= second; s++) sum += perSecond.get(s) ?? 0;
  return sum / RATE_WINDOW_S;
}

/** After an error of the subscription itself (the link's reconnects are graphql-ws's), a new one this much later. */
const RESUBSCRIBE_MS = 2000;

let started = false;
export function startChangeFeed(): void {
  if (started) return;
  started = true;
  // An operation error ends a graphql-ws subscription for good; the feed must outlive it.
  const open = (): void => {
    subscribe(S.changes, {}, {
      next: (data) => {
        feedError.set(null);
        ingest(data.changeApplied);
      },
      error: (message) => {
        feedError.set(`${message} (subscribing again in ${RESUBSCRIBE_MS / 1000} s)`);
        feedTotals.resubscribed++;
        window.setTimeout(open, RESUBSCRIBE_MS);
      },
    });
  };
  open();
}
