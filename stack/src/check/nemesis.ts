// The nemesis of ./stackctl check: which faults it starts, on what, when, and
// when it heals each, planned from --seed alone before the run begins (pure,
// no I/O), so a failing run can be replayed with the same faults at the same
// offsets. nemesis-run.ts carries the plan out through the gateway's /faults.
//
// One fault at a time per target (the unit control refuses a second action on a
// unit still busy), at most MAX_ACTIVE at once so the clients still get work
// done, and every fault healed before the run's clients stop.
import { random } from '../seed/dataset.ts';

export const NEMESIS_KINDS = ['kill', 'pause', 'delay', 'duplicate'] as const;
export type NemesisKind = (typeof NEMESIS_KINDS)[number];

export interface NemesisStep {
  /** Since the run's start: when the fault begins, and when it is healed. */
  atMs: number;
  healAtMs: number;
  kind: NemesisKind;
  /** kill: a unit; pause, delay, duplicate: a projection. */
  target: string;
  /** delay: the wait before each message or batch. */
  delayMs?: number;
}

export interface NemesisOptions {
  seed: number;
  /** How long the clients run; every fault is healed by then. */
  durationMs: number;
  kinds: readonly NemesisKind[];
  /** What kill may hit. */
  units: readonly string[];
  /** What pause, delay and duplicate may hit. */
  projections: readonly string[];
}

/** Faults at once, at most. */
export const MAX_ACTIVE = 2;
/** A fault lasts this long (a kill: until its unit is started again, which itself takes seconds). */
const LASTS_MS = [1000, 4000] as const;
/** Between one fault's start and the next. */
const GAP_MS = [1500, 4000] as const;
/** Nothing begins this close to the end: it must be healed and the system settle before the final look. */
const QUIET_END_MS = 2000;
/** A delay fault's setting. */
const DELAY_MS = [200, 2000] as const;

export function planNemesis(options: NemesisOptions): NemesisStep[] {
  const next = random(options.seed ^ 0x5eed_4e3e);
  const between = (range: readonly [number, number]) => Math.round(range[0] + next() * (range[1] - range[0]));
  const targetsOf = (kind: NemesisKind) => (kind === 'kill' ? options.units : options.projections);
  const kinds = options.kinds.filter((k) => targetsOf(k).length > 0);
  const steps: NemesisStep[] = [];
  if (kinds.length === 0) return steps;
  for (let at = between(GAP_MS); at < options.durationMs - QUIET_END_MS - LASTS_MS[0]; at += between(GAP_MS)) {
    const kind = kinds[Math.floor(next() * kinds.length)]!;
    const lasts = between(LASTS_MS);
    const delayMs = kind === 'delay' ? between(DELAY_MS) : undefined;
    const pick = next();
    const healAtMs = Math.min(at + lasts, options.durationMs - QUIET_END_MS);
    const active = steps.filter((s) => s.atMs <= at && s.healAtMs > at);
    if (active.length >= MAX_ACTIVE) continue;
    // A target not busy now or within this fault's span.
    const busy = new Set(steps.filter((s) => s.atMs < healAtMs && s.healAtMs > at).map((s) => s.target));
    const free = targetsOf(kind).filter((t) => !busy.has(t));
    if (free.length === 0) continue;
    steps.push({ atMs: at, healAtMs, kind, target: free[Math.floor(pick * free.length)]!, ...(delayMs === undefined ? {} : { delayMs }) });
  }
  return steps;
}

/** The nemesis argument: a comma-separated list of kinds, or none. */
export function parseNemesis(text: string): NemesisKind[] {
  if (['', 'none', 'off'].includes(text.trim())) return [];
  const kinds = text.split(',').map((k) => k.trim()).filter(Boolean);
  const unknown = kinds.filter((k) => !(NEMESIS_KINDS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new Error(`unknown nemesis ${unknown.join(', ')}: the kinds are ${NEMESIS_KINDS.join(', ')} (or none)`);
  return [...new Set(kinds)] as NemesisKind[];
}

/** One line per step, for the run's report and for a person replaying it. */
export function describeStep(step: NemesisStep): string {
  const what = step.kind === 'kill' ? `kill ${step.target}, start it again` : step.kind === 'delay' ? `delay ${step.target} by ${step.delayMs} ms` : `${step.kind} ${step.target}`;
  return `${(step.atMs / 1000).toFixed(1)}–${(step.healAtMs / 1000).toFixed(1)} s: ${what}`;
}
