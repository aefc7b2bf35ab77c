// Turns the change feed into what the flow view shows: each change's hops
// counted on their edges with the delay measured there, and animated when the
// view is open. A change's first notice animates its way into Kafka (commit,
// capture, publish); each projection's notice its way from Kafka into that
// projection's store.
import type { AppliedChange } from '../api/types.ts';
import { onChanges } from '../state/changes.ts';
import { isMyWrite } from '../state/writes.ts';
import { HOP_MS, launchChain } from './animator.ts';
import { countOn, toKafkaStatId } from './edge-stats.ts';
import { PROJECTION_HOPS, SOURCE_COLOURS, SOURCE_HOPS } from './topology.ts';

let started = false;

export function startFlowFeed(): void {
  if (started) return;
  started = true;
  onChanges((changes, fresh) => {
    const freshTokens = new Set(fresh.map((r) => r.token));
    const animatedSource = new Set<string>();
    for (const record of fresh) {
      const [commit, capture, publish] = SOURCE_HOPS[record.source];
      const first = changes.find((c) => c.token === record.token);
      const publishedAt = first?.kafka?.publishedAt ?? changes.find((c) => c.token === record.token && c.kafka)?.kafka?.publishedAt;
      countOn(commit);
      countOn(capture);
      const toKafka = publishedAt !== undefined ? publishedAt - record.committedAt : null;
      countOn(publish, toKafka);
      countOn(toKafkaStatId(record.source), toKafka);
      if (launchChain([commit, capture, publish], SOURCE_COLOURS[record.source], 0, record.token, isMyWrite(record.token))) animatedSource.add(record.token);
    }
    for (const c of changes as AppliedChange[]) {
      const [consume, apply] = PROJECTION_HOPS[c.projection];
      countOn(consume, c.kafka ? c.appliedAt - c.kafka.publishedAt : null);
      countOn(apply, c.visibleAfterMs);
      // After its way into Kafka when that is drawn in this batch, else at once.
      const delay = freshTokens.has(c.token) && animatedSource.has(c.token) ? 3 * HOP_MS : 0;
      launchChain([consume, apply], SOURCE_COLOURS[c.source], delay, c.token, isMyWrite(c.token));
    }
  });
}
