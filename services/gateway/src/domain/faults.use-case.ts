// Faults on purpose: pause, resume, delay or duplicate a projection; stop,
// start or SIGKILL a unit of the stack. Every action, done or failed, is logged
// with who asked and kept among the recent ones that GET /faults shows.
import { type FaultAction, type FaultsOverview, FAULT_PROJECTIONS, type FaultProjection, type FaultUnit, type ProjectionFaultsChange, type UnitAction, type UnitActionResult, UNIT_ACTIONS } from '@polyglot/contracts/faults';
import type { Logger } from '@polyglot/platform/logger';
import type { FaultLog } from '../data-access/fault-log.ts';
import type { ProjectionControls } from '../data-access/projection-controls.client.ts';
import type { StackUnits } from '../data-access/stack-units.ts';

export interface FaultsDeps {
  logger: Logger;
  projections: ProjectionControls;
  units: StackUnits;
  faultLog: FaultLog;
}

export type FaultActor = FaultAction['by'];

function describeError(error: unknown): string {
  return (error as Error)?.message ?? String(error);
}

/** Runs one fault action, logs it (info when done, warn when it failed) with who asked, and records it. */
async function recorded<T>(deps: FaultsDeps, by: FaultActor, action: string, target: string, detail: Record<string, unknown> | undefined, run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const entry = (outcome: 'ok' | 'failed', error?: unknown): FaultAction => ({
    at: new Date(started).toISOString(),
    action,
    target,
    by,
    ...(detail ? { detail } : {}),
    outcome,
    ...(error !== undefined ? { error: describeError(error) } : {}),
    durationMs: Date.now() - started,
  });
  try {
    const result = await run();
    const done = entry('ok');
    deps.faultLog.add(done);
    deps.logger.info({ fault: done }, `fault: ${action} ${target} by ${by.email ?? by.address}`);
    return result;
  } catch (error) {
    const failed = entry('failed', error);
    deps.faultLog.add(failed);
    deps.logger.warn({ fault: failed }, `fault: ${action} ${target} by ${by.email ?? by.address} failed`);
    throw error;
  }
}

export async function faultsOverview(deps: FaultsDeps): Promise<FaultsOverview> {
  const availability = deps.units.availability();
  const [projections, states] = await Promise.all([
    Promise.all(
      FAULT_PROJECTIONS.map(async (name) => {
        const service = deps.projections.serviceOf(name);
        try {
          const { running, lag, ...faults } = await deps.projections.get(name);
          return { name, service, faults, running, lag };
        } catch (error) {
          return { name, service, faults: null, running: null, lag: null, error: describeError(error) };
        }
      }),
    ),
    availability.available ? deps.units.states().catch((error: unknown) => ({ error: describeError(error) })) : Promise.resolve([]),
  ]);
  const statesFailed = !Array.isArray(states);
  return {
    projections,
    units: {
      available: availability.available && !statesFailed,
      ...(!availability.available ? { reason: availability.reason } : statesFailed ? { reason: states.error } : {}),
      controllable: [...deps.units.units],
      actions: [...UNIT_ACTIONS],
      states: Array.isArray(states) ? states.filter((s) => (deps.units.units as readonly string[]).includes(s.name)) : [],
    },
    recent: deps.faultLog.recent(),
  };
}

export type ProjectionAction = 'pause' | 'resume' | 'set';

export async function controlProjection(deps: FaultsDeps, by: FaultActor, name: FaultProjection, action: ProjectionAction, settings: Omit<ProjectionFaultsChange, 'paused'> = {}) {
  const change: ProjectionFaultsChange = action === 'pause' ? { paused: true } : action === 'resume' ? { paused: false } : settings;
  return recorded(deps, by, action, `projection:${name}`, action === 'set' ? { ...settings } : undefined, async () => {
    const { running, lag, ...faults } = await deps.projections.change(name, change);
    return { name, service: deps.projections.serviceOf(name), faults, running, lag };
  });
}

export async function controlUnit(deps: FaultsDeps, by: FaultActor, unit: FaultUnit, action: UnitAction): Promise<UnitActionResult> {
  const started = Date.now();
  return recorded(deps, by, action, `unit:${unit}`, undefined, async () => {
    const output = await deps.units.act(unit, action, by.email ?? by.address);
    return { unit, action, durationMs: Date.now() - started, output };
  });
}
