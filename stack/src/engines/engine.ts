// What the supervisor needs to know about an engine to provision, start,
// probe and stop it. One file per engine implements this.
import type { ServiceName } from '../../../packages/contracts/src/services.ts';
import type { LaunchSpec } from '../supervisor/launcher.ts';

export const ENGINE_NAMES = ['postgres', 'timescaledb', 'redis', 'redis-state', 'ferretdb-store', 'ferretdb', 'neo4j', 'kafka', 'connect'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];
/** The stack's one root-side helper besides the CLI: runs /faults' stop, start and kill for the gateway (stack/src/control/). */
export const CONTROL_UNIT = 'unit-control';
/** What the stack runs: the engines, the unit control and the platform's own services. */
export type UnitName = EngineName | typeof CONTROL_UNIT | ServiceName;

export const ARTIFACT_NAMES = ['debianRoot', 'kafka', 'debezium', 'neo4j', 'ferretdb'] as const;
export type ArtifactName = (typeof ARTIFACT_NAMES)[number];

export interface EngineContext {
  /** The engine's data folder in the checkout (bound at /srv/data inside the root). */
  dataDir: string;
  /** Cache folders of the artifacts the engine declared in `needs`. */
  artifacts: Readonly<Partial<Record<ArtifactName, string>>>;
  /** Runs a one-shot command as the engine would run (initdb, storage format, ...); the data folder is handed to the engine user first. */
  runOnce(what: string, spec: Omit<LaunchSpec, 'root'>): Promise<void>;
}

export interface Health {
  version: string;
}

export interface Engine {
  name: UnitName;
  /**
   * engine: chrooted into the Debian root as the engine user; service: the project's own Node process,
   * chrooted the same way as the same user; control: the unit control, on the host as root.
   */
  kind: 'engine' | 'control' | 'service';
  title: string;
  address: string;
  ports: readonly number[];
  needs: readonly ArtifactName[];
  dependsOn: readonly UnitName[];
  stopSignal: NodeJS.Signals;
  stopTimeoutMs: number;
  /** How long a start may take before it counts as failed. */
  startTimeoutMs: number;
  /** Idempotent first-time setup and config rendering; runs before every start. */
  prepare(ctx: EngineContext): Promise<void>;
  launch(ctx: EngineContext): Omit<LaunchSpec, 'root'>;
  /** Resolves when the engine answers real requests; rejects otherwise. */
  probe(): Promise<Health>;
  /** Work once the engine is healthy (databases, migrations). Idempotent. */
  afterHealthy?(ctx: EngineContext): Promise<void>;
}

/** Rejects after `ms`, so a probe of a hung engine never hangs the CLI. */
export async function withTimeout<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export const JAVA = '/usr/lib/jvm/java-21-openjdk-amd64/bin/java';

/** JVM flags shared by the Java engines: capped heap, no perf-data files, headless. */
export function jvmFlags(heap: { min: string; max: string }): string[] {
  return [`-Xms${heap.min}`, `-Xmx${heap.max}`, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:-UsePerfData', '-Djava.awt.headless=true', '-Djava.io.tmpdir=/srv/data/tmp'];
}
