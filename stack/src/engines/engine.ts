// What the supervisor needs to know about an engine to provision, start,
// probe and stop it. One file per engine implements this.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceName } from '@polyglot/contracts/services';
import type { LaunchSpec } from '../supervisor/launcher.ts';

export const ENGINE_NAMES = ['postgres', 'timescaledb', 'redis', 'redis-state', 'ferretdb-store', 'ferretdb', 'neo4j', 'kafka', 'connect', 'jaeger'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];
/** The stack's one root-side helper besides the CLI: runs /faults' stop, start and kill for the gateway (stack/src/control/). */
export const CONTROL_UNIT = 'unit-control';
/** What the stack runs: the engines, the unit control and the platform's own services. */
export type UnitName = EngineName | typeof CONTROL_UNIT | ServiceName;

export const ARTIFACT_NAMES = ['debianRoot', 'kafka', 'debezium', 'neo4j', 'ferretdb', 'jaeger'] as const;
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

/**
 * JVM flags shared by the Java engines, sized for a 2-core machine that runs three JVMs beside a dozen
 * other processes (the figures are in docs/adr/0021-jvms-on-two-cores.md):
 * - the serial collector: heaps of a few hundred MB that fill at a few MB/s, young collections of
 *   10-25 ms on average here, with no concurrent GC threads competing for the cores and no remembered
 *   sets costing memory;
 * - C1 only, unless the engine asks for both compilers (`jit: 'tiered'`): the C2 compiler spent more of
 *   Neo4j's CPU than its work did, for half an hour after each start, at the rates this stack sees; C1
 *   compiled Neo4j's hot code in a fifth of the time and its code takes less room. Kafka's hot path is
 *   small: with C2 it serves each request for two thirds of C1's CPU after ten minutes, but pays more
 *   than that in its first minutes, when this stack is measured and demonstrated. A deployment that
 *   runs for hours would give Kafka (and later Neo4j) `jit: 'tiered'`; the notes weigh each engine;
 * - for a long-running engine (`engine`: its context and the folder of the jars on its classpath):
 *   class-data sharing (classArchive), so a start maps the classes it loaded last time instead of reading,
 *   parsing and verifying them again; and a GC log beside the archive.
 */
export function jvmFlags(heap: { min: string; max: string }, engine?: { ctx: EngineContext; jarDir: string; jit?: 'c1' | 'tiered' }): string[] {
  const archive = engine && classArchive(engine.ctx, engine.jarDir);
  return [
    `-Xms${heap.min}`,
    `-Xmx${heap.max}`,
    '-XX:+UseSerialGC',
    // Tiered: one C1 and one C2 thread (the JVM's own choice on 2 cores, stated so a larger machine keeps it).
    ...(engine?.jit === 'tiered' ? ['-XX:CICompilerCount=2'] : ['-XX:TieredStopAtLevel=1']),
    // Every 15% of this reserve filled since the last one, compiled code is unloaded by a collection, a full
    // one with the serial collector: with a 96 MB reserve, Neo4j paused 150-800 ms for it every minute or two.
    '-XX:ReservedCodeCacheSize=240m',
    ...(archive ? ['-XX:+AutoCreateSharedArchive', `-XX:SharedArchiveFile=${archive}`, '-Xlog:gc:file=/srv/data/tmp/gc.log:time,uptime:filecount=2,filesize=1m'] : []),
    '-XX:-UsePerfData',
    '-Djava.awt.headless=true',
    '-Djava.io.tmpdir=/srv/data/tmp',
  ];
}

/**
 * The class-data-sharing archive of a long-running engine, in the root's view of its data folder's tmp
 * (which its prepare makes). The JVM writes it at the engine's first clean stop (AutoCreateSharedArchive)
 * and writes it again after a JDK change; an archive made from other jars it only stops using, never
 * rewrites, so the file is named after the jars on the classpath (classArchiveName): new jars, new name,
 * a new archive at the next stop. The engine's older archives are removed.
 */
export function classArchive(ctx: EngineContext, jarDir: string): string {
  const name = classArchiveName(jarDir);
  const dir = join(ctx.dataDir, 'tmp');
  if (existsSync(dir)) for (const file of readdirSync(dir)) if (/^classes-[0-9a-f]+\.jsa$/.test(file) && file !== name) rmSync(join(dir, file), { force: true });
  return `/srv/data/tmp/${name}`;
}

/** classes-<digest of the names, sizes and times of the jars in jarDir>.jsa */
export function classArchiveName(jarDir: string): string {
  const digest = createHash('sha256');
  for (const jar of readdirSync(jarDir).filter((f) => f.endsWith('.jar')).sort()) {
    const stat = statSync(join(jarDir, jar));
    digest.update(`${jar}\0${stat.size}\0${stat.mtimeMs}\n`);
  }
  return `classes-${digest.digest('hex').slice(0, 16)}.jsa`;
}
