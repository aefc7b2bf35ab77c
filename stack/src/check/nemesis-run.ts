// Carries out the nemesis's plan (nemesis.ts) through the gateway's /faults,
// as the API and ./stackctl fault do, so each action is checked and logged
// with who asked: SIGKILL a unit and start it again, pause and resume a
// projection, delay it, make it apply everything twice. healEverything undoes
// whatever may be left, whatever happened.
import { FAULT_PROJECTIONS } from '@polyglot/contracts/faults';
import { gatewayRequest, GatewayUnreachableError } from '../gateway-call.ts';
import type { NemesisStep } from './nemesis.ts';

/** A unit's start waits until it is healthy: a JVM engine may take a minute. */
const UNIT_ACTION_TIMEOUT_MS = 300_000;
const PROJECTION_ACTION_TIMEOUT_MS = 15_000;

export interface NemesisEvent {
  /** ms since the run's start */
  at: number;
  step: NemesisStep;
  phase: 'begin' | 'heal';
  /** null: done; else why not. */
  error: string | null;
}

/** One fault action through /faults; null when done, else what went wrong. */
async function act(step: NemesisStep, phase: 'begin' | 'heal'): Promise<string | null> {
  const target = encodeURIComponent(step.target);
  const [method, path, body, timeoutMs] = ((): [string, string, unknown, number] => {
    switch (step.kind) {
      case 'kill':
        return ['POST', `/faults/units/${target}/${phase === 'begin' ? 'kill' : 'start'}`, undefined, UNIT_ACTION_TIMEOUT_MS];
      case 'pause':
        return ['POST', `/faults/projections/${target}/${phase === 'begin' ? 'pause' : 'resume'}`, undefined, PROJECTION_ACTION_TIMEOUT_MS];
      case 'delay':
        return ['PUT', `/faults/projections/${target}`, { delayMs: phase === 'begin' ? step.delayMs : 0 }, PROJECTION_ACTION_TIMEOUT_MS];
      case 'duplicate':
        return ['PUT', `/faults/projections/${target}`, { duplicate: phase === 'begin' }, PROJECTION_ACTION_TIMEOUT_MS];
    }
  })();
  try {
    const answer = await gatewayRequest<{ code?: string; error?: string }>(method, path, { body, timeoutMs, internal: true });
    return answer.status >= 200 && answer.status < 300 ? null : `${answer.status} ${answer.body?.code ?? ''} ${answer.body?.error ?? ''}`.trim();
  } catch (error) {
    if (error instanceof GatewayUnreachableError) return error.message;
    throw error;
  }
}

const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

export class NemesisRun {
  readonly events: NemesisEvent[] = [];
  /** The faults in force now, described, for the progress line. */
  readonly active = new Set<NemesisStep>();
  readonly #steps: readonly NemesisStep[];
  readonly #onEvent: (event: NemesisEvent) => void;

  constructor(steps: readonly NemesisStep[], onEvent: (event: NemesisEvent) => void = () => undefined) {
    this.#steps = steps;
    this.#onEvent = onEvent;
  }

  /** Every step at its offset from startedAt (epoch ms); resolves once each fault has been healed (or failed to be). */
  async run(startedAt: number): Promise<void> {
    await Promise.all(
      this.#steps.map(async (step) => {
        await sleepUntil(startedAt + step.atMs);
        const began = await this.#do(step, 'begin', startedAt);
        // A fault that did not begin has nothing to heal; a kill whose unit is down is started all the same.
        if (began !== null && step.kind !== 'kill') return;
        this.active.add(step);
        await sleepUntil(startedAt + step.healAtMs);
        await this.#do(step, 'heal', startedAt);
        this.active.delete(step);
      }),
    );
  }

  async #do(step: NemesisStep, phase: 'begin' | 'heal', startedAt: number): Promise<string | null> {
    const error = await act(step, phase);
    const event = { at: Date.now() - startedAt, step, phase, error };
    this.events.push(event);
    this.#onEvent(event);
    return error;
  }
}

/**
 * Undoes every fault a run may have left, whatever happened to it: each projection resumed, undelayed and
 * applying once; each unit the nemesis hit started (a start of a running unit does nothing). Answers what failed.
 */
export async function healEverything(units: readonly string[]): Promise<string[]> {
  const failures: string[] = [];
  const heal = async (step: NemesisStep) => {
    const error = await act(step, 'heal');
    if (error !== null) failures.push(`${step.kind} ${step.target}: ${error}`);
  };
  const projections = FAULT_PROJECTIONS.flatMap((target): NemesisStep[] => [
    { atMs: 0, healAtMs: 0, kind: 'pause', target },
    { atMs: 0, healAtMs: 0, kind: 'delay', target, delayMs: 0 },
    { atMs: 0, healAtMs: 0, kind: 'duplicate', target },
  ]);
  // The units first: a projection's controls live in its service's memory, which a start begins afresh.
  for (const target of units) await heal({ atMs: 0, healAtMs: 0, kind: 'kill', target });
  for (const step of projections) await heal(step);
  return failures;
}
