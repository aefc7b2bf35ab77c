// The lab's recorded history (docs/history-checker.md): who writes and reads
// (a process per operation in flight), what an error means for an operation's
// outcome, the final section, and the checker's verdict as the lab keeps it.
import type { HistoryEntity, HistoryVerdict, Observed } from '@polyglot/contracts/history';
import { MAX_LAB_ANOMALIES, type LabVerdict } from '@polyglot/contracts/lab';
import { MAX_OBSERVED_ENTITIES } from '@polyglot/contracts/observations';
import { AppError } from '@polyglot/platform/errors';
import type { HistoryRecorder } from '@polyglot/platform/history-recorder';
import { UpstreamError } from '../data-access/service-client.ts';
import { observeEntities, type ObserveDeps } from './observe-entities.use-case.ts';

/**
 * The lab's writes overlap (open loop): each one and its read run as a process of the history, one
 * operation at a time. A process is the lowest number free, so a run uses as few as it has writes in flight.
 */
export class ProcessPool {
  readonly #free: number[] = [];
  #next = 0;

  take(): number {
    this.#free.sort((a, b) => a - b);
    return this.#free.shift() ?? this.#next++;
  }

  give(process: number): void {
    this.#free.push(process);
  }
}

/** What an error means for an operation: it did not happen (a 4xx), or its outcome is unknown (anything else). */
export function outcomeOf(error: unknown): { type: 'fail' | 'info'; code: string } {
  if (error instanceof UpstreamError) return { type: error.statusCode < 500 ? 'fail' : 'info', code: error.code };
  if (error instanceof AppError) return { type: error.status < 500 ? 'fail' : 'info', code: error.code };
  return { type: 'info', code: 'NO_ANSWER' };
}

/**
 * The final section: every entity written to, as every store shows it once the pipeline had time (the caller
 * waited). A store that does not answer is asked again until `deadline`; past it an entity keeps what answered.
 */
export async function recordFinals(deps: ObserveDeps, history: HistoryRecorder, deadline: number): Promise<void> {
  const entities = history.writtenEntities;
  const views = new Map<HistoryEntity, Observed>();
  for (let i = 0; i < entities.length; i += MAX_OBSERVED_ENTITIES) {
    const batch = entities.slice(i, i + MAX_OBSERVED_ENTITIES);
    for (;;) {
      const seen = await observeEntities(deps, { entities: batch }).catch(() => null);
      if (seen) for (const entity of batch) views.set(entity, seen.entities[entity]?.observed ?? {});
      if ((seen && Object.keys(seen.unavailable).length === 0) || Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  for (const entity of entities) {
    const observed = views.get(entity) ?? {};
    if (Object.keys(observed).length > 0) history.final(entity, observed);
  }
}

/** The checker's verdict as a result keeps it: the counts of every property, the first anomalies with their fragments. */
export function labVerdict(verdict: HistoryVerdict, historyLines: number): LabVerdict {
  return {
    valid: verdict.valid,
    operations: verdict.operations,
    entities: verdict.entities,
    historyLines,
    properties: verdict.properties,
    anomalies: verdict.anomalies.slice(0, MAX_LAB_ANOMALIES).map((a) => ({ ...a, lines: a.lines as unknown as Array<Record<string, unknown>> })),
    anomaliesOmitted: Math.max(0, verdict.anomalies.length - MAX_LAB_ANOMALIES),
  };
}
