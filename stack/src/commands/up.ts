// `up`: provision what is missing, start every engine that is not healthy
// (independent engines in parallel), and end with the status table. Running
// it again on a healthy stack changes nothing and says so.
import { dependencyDepth, engines, units } from '../engines/registry.ts';
import type { Engine, UnitName } from '../engines/engine.ts';
import { ComposeSupervisor } from '../docker/compose-supervisor.ts';
import { chooseMode, recordMode } from '../mode.ts';
import { requireDisk, requireRootForNative } from '../preflight.ts';
import { info, step } from '../progress.ts';
import { isCached } from '../provision/cached-artifact.ts';
import { renderStatusTable } from '../status-table.ts';
import { knownArtifactDirs } from '../supervisor/artifacts.ts';
import { NativeSupervisor, type EngineStatus } from '../supervisor/native-supervisor.ts';
import { provisionFor } from '../supervisor/artifacts.ts';
import { ensureUiBuilt } from '../services/ui-build.ts';
import type { CredentialKey } from '@polyglot/contracts/engine-credentials';
import { CREDENTIAL_UNITS, ensureCredentials, writeComposeEnv } from '../credentials.ts';
import { onInterrupt } from './interrupt.ts';
import { CONNECT_HINT } from './lifecycle.ts';

export interface UpResult {
  changed: boolean;
  statuses: EngineStatus[];
  /** Milliseconds from the start of `up` until each engine it started answered as healthy. */
  healthyAfterMs: Partial<Record<UnitName, number>>;
  /** Milliseconds spent making sure the cached artifacts exist (fetching and building on a cold cache). */
  provisionMs: number;
  /** The web UI was (re)built: ui/dist was missing or older than its sources. */
  uiBuilt?: boolean;
}

/** The engines given one of the credentials just made, and the services (given them all): what runs without them must restart. */
function takesCredentials(made: readonly CredentialKey[]): (unit: Engine) => boolean {
  const engines = new Set<UnitName>(made.flatMap((key) => CREDENTIAL_UNITS[key]));
  return (unit) => engines.has(unit.name) || (unit.kind === 'service' && unit.name !== 'ui');
}

/**
 * Credentials were just made (the first `up` of a stack made before the stack generated them, or before it had
 * one of them): what they are given to was started with the old well-known ones, or none. Stop it, dependents
 * first, so that it starts again below and takes the new ones; each engine keeps its data and is given its
 * password at start. Returns what to start.
 */
async function stopWhatRunsWithoutCredentials(supervisor: NativeSupervisor, selected: readonly Engine[], made: readonly CredentialKey[], why: string): Promise<readonly Engine[]> {
  const candidates = units.filter(takesCredentials(made));
  const states = await Promise.all(candidates.map((u) => supervisor.status(u, { withLogs: false })));
  const running = candidates.filter((_, i) => states[i]!.state === 'healthy' || states[i]!.state === 'starting');
  if (running.length === 0) return selected;
  info(`${why}; restarting ${running.map((u) => u.name).join(', ')} so that they take them (their data is kept)`);
  const depths = [...new Set(running.map(dependencyDepth))].sort((a, b) => b - a);
  for (const depth of depths) {
    await Promise.all(running.filter((u) => dependencyDepth(u) === depth).map((u) => step(`stopping ${u.name}`, () => supervisor.stop(u))));
  }
  return units.filter((u) => selected.includes(u) || running.includes(u));
}

export async function upNative(wanted: readonly Engine[] = units, options: { credentialsMade?: readonly CredentialKey[] } = {}): Promise<UpResult> {
  requireRootForNative();
  const credentials = ensureCredentials();
  const made = [...(options.credentialsMade ?? []), ...credentials.created];
  const t0 = Date.now();
  const healthyAfterMs: Partial<Record<UnitName, number>> = {};
  const probe = new NativeSupervisor(knownArtifactDirs());
  const selected = made.length === 0 ? wanted : await stopWhatRunsWithoutCredentials(probe, wanted, made, `made credentials for ${made.join(', ')} in ${credentials.file}`);
  // The UI's static server serves from disk: a build newer than the running unit needs no restart.
  const uiBuilt = selected.some((u) => u.name === 'ui') ? await ensureUiBuilt() : false;
  const before = await Promise.all(selected.map((e) => probe.status(e, { withLogs: false })));
  if (before.every((s) => s.state === 'healthy')) {
    return { changed: uiBuilt, statuses: before, healthyAfterMs, provisionMs: 0, uiBuilt };
  }
  const keys = Object.values(knownArtifactDirs()).map((dir) => dir!.split('/').at(-1)!);
  await requireDisk({ coldCache: !keys.every(isCached) });
  const toStart = selected.filter((_, i) => before[i]!.state !== 'healthy');
  const supervisor = new NativeSupervisor(await provisionFor(toStart));
  const provisionMs = Date.now() - t0;
  // Fail before starting anything when a port is taken.
  selected.forEach((engine, i) => {
    if (before[i]!.state === 'down' || before[i]!.state === 'crashed') supervisor.checkPorts(engine);
  });

  const startedHere: Engine[] = [];
  const stopStartedHere = async () => {
    for (const engine of startedHere.reverse()) await supervisor.stop(engine).catch(() => undefined);
  };
  const releaseInterrupt = onInterrupt(stopStartedHere);
  try {
    const started = new Map<UnitName, Promise<EngineStatus>>();
    const startOne = (engine: Engine): Promise<EngineStatus> => {
      let promise = started.get(engine.name);
      if (!promise) {
        promise = (async () => {
          await Promise.all(engine.dependsOn.map((dep) => startOne(selected.find((e) => e.name === dep) ?? units.find((e) => e.name === dep)!)));
          return step(`starting ${engine.name}`, async () => {
            startedHere.push(engine);
            const status = await supervisor.start(engine);
            healthyAfterMs[engine.name] = Date.now() - t0;
            return status;
          });
        })();
        started.set(engine.name, promise);
      }
      return promise;
    };
    const results = await Promise.allSettled(selected.map(startOne));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      info('stopping the engines this run started, so nothing is left half-started');
      await stopStartedHere();
      throw failure.reason;
    }
  } finally {
    releaseInterrupt();
  }
  const statuses = await Promise.all(selected.map((e) => supervisor.status(e)));
  return { changed: true, statuses, healthyAfterMs, provisionMs, uiBuilt };
}

export async function upCommand(flags: { native?: boolean; docker?: boolean; json?: boolean }): Promise<number> {
  const mode = chooseMode(flags);
  if (mode === 'docker') {
    const compose = new ComposeSupervisor();
    recordMode('docker');
    // The containers take the same generated passwords, through the variables in .stack/compose.env.
    const { created } = ensureCredentials();
    writeComposeEnv();
    await step('docker compose up (waits for health checks)', async () => compose.upAll());
    // Databases, migrations and the Debezium connector: the same setup as the native stack.
    for (const engine of engines) {
      if (engine.afterHealthy) await step(`setting up ${engine.name}`, () => engine.afterHealthy!({ dataDir: '', artifacts: {}, runOnce: async () => undefined }));
    }
    // The unit control and the platform's own services run natively, next to the containers.
    const started = await upNative(units.filter((u) => u.kind !== 'engine'), { credentialsMade: created });
    const statuses = [...(await Promise.all(engines.map((e) => compose.status(e)))), ...started.statuses];
    process.stdout.write(`${flags.json ? JSON.stringify(statuses, null, 2) : `${renderStatusTable(statuses)}\n\n${CONNECT_HINT}`}\n`);
    return 0;
  }
  requireRootForNative();
  recordMode('native');
  const t0 = Date.now();
  const result = await upNative();
  if (!result.changed) info('every engine is already healthy; nothing changed');
  else if (result.uiBuilt && Object.keys(result.healthyAfterMs).length === 0) info('every engine is already healthy; the web UI was rebuilt (the ui unit serves it as it is)');
  else if (Object.keys(result.healthyAfterMs).length > 0) info(`everything healthy in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  process.stdout.write(`${flags.json ? JSON.stringify(result, null, 2) : `${renderStatusTable(result.statuses)}\n\n${CONNECT_HINT}`}\n`);
  return 0;
}
