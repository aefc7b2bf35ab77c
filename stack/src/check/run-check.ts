// ./stackctl check, the run: concurrent clients over the public API, each
// operation recorded (workload.ts); a seeded nemesis breaking units and
// projections through /faults meanwhile (nemesis.ts, nemesis-run.ts); every
// fault healed; the pipeline left to settle; the final look at every entity
// written, in every store; then the history checker's verdict on the history
// (docs/history-checker.md).
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { HistoryEntity, HistoryVerdict, Observed } from '@polyglot/contracts/history';
import { MAX_OBSERVED_ENTITIES, type ObservedEntities } from '@polyglot/contracts/observations';
import { HistoryRecorder } from '@polyglot/platform/history-recorder';
import { HistoryCheckerError, runHistoryChecker } from '@polyglot/platform/history-checker-run';
import { waitFor } from '@polyglot/platform/wait-for';
import { StackError } from '../errors.ts';
import { CANNOT_CHECK, gatewayBase, gatewayRequest, GatewayUnreachableError } from '../gateway-call.ts';
import { repoRoot, statePaths } from '../paths.ts';
import { onInterrupt } from '../commands/interrupt.ts';
import { ensureHistoryCheckerBinary } from '../provision/history-checker-binary.ts';
import { describeStep, planNemesis, type NemesisKind, type NemesisStep } from './nemesis.ts';
import { healEverything, NemesisRun, type NemesisEvent } from './nemesis-run.ts';
import { Workload, type WorkloadStats } from './workload.ts';

export interface CheckOptions {
  seconds: number;
  clients: number;
  nemesis: readonly NemesisKind[];
  seed: number;
  /** What kill may hit. */
  units: readonly string[];
  /** What pause, delay and duplicate may hit. */
  projections: readonly string[];
}

export interface CheckResult {
  seed: number;
  historyFile: string;
  verdictFile: string;
  verdict: HistoryVerdict;
  stats: WorkloadStats;
  historyLines: number;
  plan: NemesisStep[];
  nemesis: NemesisEvent[];
  healFailures: string[];
  /** From the clients' stop until the pipeline had settled (null: it did not within SETTLE_TIMEOUT_MS). */
  settledMs: number | null;
}

/** How long the pipeline may take to drain once every fault is healed (a killed JVM engine restarts slowly). */
const SETTLE_TIMEOUT_MS = 180_000;
/** The final look asks again for stores that did not answer, for this long at most. */
const FINAL_TIMEOUT_MS = 60_000;
const PROGRESS_EVERY_MS = 5000;

type Report = (line: string) => void;

/** A path as a person reads it: from the checkout when it is in it (.stack/check/…), else whole. */
export function shownPath(path: string): string {
  const inside = relative(repoRoot, path);
  return inside.startsWith('..') ? path : inside;
}

/** The gateway answers, and lets this caller observe (an admin session with AUTH_REQUIRED on): else no run. */
async function preflight(): Promise<void> {
  try {
    const probe = await gatewayRequest<{ code?: string; error?: string }>('POST', '/lab/observations', { body: { entities: ['users:1'] }, internal: true, timeoutMs: 15_000 });
    if (probe.status === 401 || probe.status === 403) throw new StackError('CHECK_FAILED', `POST /lab/observations: ${probe.status} ${probe.body?.code ?? ''}: set GATEWAY_TOKEN to an admin session token (./stackctl admin grant EMAIL, then POST /auth/login)`, { exitCode: CANNOT_CHECK });
    if (probe.status === 404) throw new StackError('CHECK_FAILED', `the gateway at ${gatewayBase()} has no POST /lab/observations: it runs older code than this checkout (./stackctl up restarts it)`, { exitCode: CANNOT_CHECK });
  } catch (error) {
    if (error instanceof GatewayUnreachableError) throw new StackError('GATEWAY_UNAVAILABLE', `${error.message}; is the system up? (./stackctl status, ./stackctl up)`, { exitCode: CANNOT_CHECK });
    throw error;
  }
}

/** The pipeline has nothing left to carry: every service and store up, every projection's lag and the relay's backlog 0, twice a second apart. */
async function settle(): Promise<number | null> {
  const started = Date.now();
  let calmSince: number | null = null;
  try {
    await waitFor(
      'every service up, every projection caught up (lag 0) and the graph outbox empty',
      async () => {
        const health = await gatewayRequest<{ status?: string; pipeline?: { projections?: Record<string, { lag?: number | null } | null>; relays?: Record<string, number | null> } }>('GET', '/health', { internal: true, timeoutMs: 10_000 }).catch(() => null);
        const pipeline = health?.body?.pipeline;
        const lags = Object.values(pipeline?.projections ?? {}).map((p) => p?.lag);
        const backlogs = Object.values(pipeline?.relays ?? {});
        const calm = health?.status === 200 && lags.length > 0 && lags.every((l) => l === 0) && backlogs.every((b) => b === 0);
        if (!calm) calmSince = null;
        else calmSince ??= Date.now();
        // Debezium reads the WAL every 50 ms; a second of calm leaves no change between a store's log and Kafka.
        return calmSince !== null && Date.now() - calmSince >= 1000;
      },
      { timeoutMs: SETTLE_TIMEOUT_MS, intervalMs: 250 },
    );
    return Date.now() - started;
  } catch {
    return null;
  }
}

/** Every entity written, as every store shows it now; a store that does not answer is asked again, for a while. */
async function finalLook(history: HistoryRecorder, report: Report): Promise<void> {
  const entities = history.writtenEntities;
  const views = new Map<HistoryEntity, Observed>();
  const deadline = Date.now() + FINAL_TIMEOUT_MS;
  for (let i = 0; i < entities.length; i += MAX_OBSERVED_ENTITIES) {
    const batch = entities.slice(i, i + MAX_OBSERVED_ENTITIES);
    for (;;) {
      const seen = await gatewayRequest<ObservedEntities>('POST', '/lab/observations', { body: { entities: batch }, internal: true, timeoutMs: 30_000 }).catch(() => null);
      const answered = seen?.status === 200 && seen.body ? seen.body : null;
      if (answered) for (const entity of batch) views.set(entity, answered.entities[entity]?.observed ?? {});
      if ((answered && Object.keys(answered.unavailable).length === 0) || Date.now() >= deadline) {
        if (!answered || Object.keys(answered.unavailable).length > 0) report(`the final look could not read every store: ${answered ? Object.keys(answered.unavailable).join(', ') : 'the gateway did not answer'}`);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  for (const entity of entities) {
    const observed = views.get(entity) ?? {};
    if (Object.keys(observed).length > 0) history.final(entity, observed);
  }
}

export async function runCheck(options: CheckOptions, report: Report): Promise<CheckResult> {
  await preflight();
  // Built (or found in the cache) before the clients start: a build that fails stops nothing half done.
  const checker = await ensureHistoryCheckerBinary();

  const folder = join(statePaths.root, 'check');
  mkdirSync(folder, { recursive: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const historyFile = join(folder, `history-${stamp}-seed${options.seed}.jsonl`);
  const verdictFile = historyFile.replace(/\.jsonl$/, '.verdict.json');
  const fd = openSync(historyFile, 'w');
  let historyLines = 0;
  const history = new HistoryRecorder((line) => {
    writeSync(fd, `${JSON.stringify(line)}\n`);
    historyLines++;
  });
  const shown = shownPath(historyFile);

  try {
    const workload = new Workload({ seed: options.seed, clients: options.clients, history, tag: `${options.seed}-${Date.now().toString(36)}` });
    report(`creating the users that post and follow (${Math.max(4, 2 * options.clients)})`);
    await workload.setup();

    const durationMs = options.seconds * 1000;
    const plan = planNemesis({ seed: options.seed, durationMs, kinds: options.nemesis, units: options.units, projections: options.projections });
    report(plan.length === 0 ? 'nemesis: none' : `nemesis: ${plan.length} faults planned\n${plan.map((s) => `  ${describeStep(s)}`).join('\n')}`);
    const nemesis = new NemesisRun(plan, (e) => {
      if (e.error !== null) report(`nemesis: ${describeStep(e.step)}: ${e.phase} failed: ${e.error}`);
    });
    const killed = [...new Set(plan.filter((s) => s.kind === 'kill').map((s) => s.target))];
    // Ctrl-C (or a failure) mid-run leaves no fault behind.
    const release = onInterrupt(async () => {
      await healEverything(killed);
    });
    const started = Date.now();
    const faults = nemesis.run(started);
    const progress = setInterval(() => {
      const s = workload.stats;
      const now = [...nemesis.active].map((step) => (step.kind === 'kill' ? `${step.target} killed` : step.kind === 'delay' ? `${step.target} delayed ${step.delayMs} ms` : `${step.target} ${step.kind === 'pause' ? 'paused' : 'duplicating'}`));
      report(`${Math.round((Date.now() - started) / 1000)} s of ${options.seconds}: ${s.writes + s.reads} operations (${s.writes} writes, ${s.reads} reads; ${s.ok} ok, ${s.failed} failed, ${s.unknown} unknown)${now.length > 0 ? `; now: ${now.join(', ')}` : ''}`);
    }, PROGRESS_EVERY_MS);
    let healFailures: string[];
    try {
      await workload.run(started + durationMs);
      report(`clients stopped after ${((Date.now() - started) / 1000).toFixed(1)} s: ${workload.stats.writes} writes, ${workload.stats.reads} reads; healing every fault`);
    } finally {
      clearInterval(progress);
      await faults;
      healFailures = await healEverything(killed);
      release();
    }
    for (const failure of healFailures) report(`heal: ${failure}`);

    const stopped = Date.now();
    const settledMs = await settle();
    report(settledMs === null ? `the pipeline did not settle within ${SETTLE_TIMEOUT_MS / 1000} s: the final look is taken all the same` : `the pipeline settled ${((Date.now() - stopped) / 1000).toFixed(1)} s after the clients stopped; the final look at ${history.writtenEntities.length} entities`);
    await finalLook(history, report);
    closeSync(fd);

    report(`checking ${historyLines} lines of history (${shown})`);
    let verdict: HistoryVerdict;
    try {
      verdict = await runHistoryChecker(checker, { file: historyFile, timeoutMs: 600_000 });
    } catch (error) {
      if (error instanceof HistoryCheckerError) throw new StackError('CHECK_FAILED', `${error.message} (history: ${shown})`, { exitCode: CANNOT_CHECK });
      throw error;
    }
    writeFileSync(verdictFile, `${JSON.stringify(verdict, null, 2)}\n`);
    return { seed: options.seed, historyFile, verdictFile, verdict, stats: workload.stats, historyLines, plan, nemesis: nemesis.events, healFailures, settledMs };
  } finally {
    try {
      closeSync(fd);
    } catch {
      // Closed already.
    }
  }
}
