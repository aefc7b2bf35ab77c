// Per edge: how many changes travelled it since the page opened, and the
// delays measured on it (the last 200), for the labels of the flow view.
import { createFrameTicker } from '../state/store.ts';

export interface EdgeStat {
  count: number;
  delays: number[];
  last: number | null;
}

const SAMPLES = 200;
const stats = new Map<string, EdgeStat>();
const ticker = createFrameTicker();
export const edgeStatsVersion = ticker.store;

export function countOn(edgeId: string, delayMs?: number | null): void {
  let s = stats.get(edgeId);
  if (!s) stats.set(edgeId, (s = { count: 0, delays: [], last: null }));
  s.count++;
  if (typeof delayMs === 'number' && Number.isFinite(delayMs)) {
    s.delays.push(delayMs);
    if (s.delays.length > SAMPLES) s.delays.shift();
    s.last = delayMs;
  }
  ticker.bump();
}

/**
 * The key of one source's commit → Kafka figures, kept apart from its publish edge's: Debezium's
 * edge into Kafka carries both users and posts.
 */
export const toKafkaStatId = (source: string): string => `source:${source}>kafka`;

export function edgeStat(edgeId: string): EdgeStat | undefined {
  return stats.get(edgeId);
}

export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
