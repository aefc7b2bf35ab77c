// Provisions the cached artifacts that a set of engines needs, in parallel.
import type { ArtifactName, Engine } from '../engines/engine.ts';
import { killRunningTools } from '../run-tool.ts';
import { onInterrupt } from '../commands/interrupt.ts';
import { artifactDir } from '../provision/cached-artifact.ts';
import { debeziumKey, ensureDebeziumPlugin, ensureKafkaJars, ensureNeo4jJars, kafkaKey, neo4jKey } from '../provision/maven-artifacts.ts';
import { ensureFerretdbBinary, ferretdbKey } from '../provision/ferretdb-binary.ts';
import { ensureJaegerBinary, jaegerKey } from '../provision/jaeger-binary.ts';
import { ensureTrixieRoot, trixieRootKey } from '../provision/trixie-root.ts';

const provisioners: Record<ArtifactName, () => Promise<string>> = {
  debianRoot: ensureTrixieRoot,
  kafka: ensureKafkaJars,
  debezium: ensureDebeziumPlugin,
  neo4j: ensureNeo4jJars,
  ferretdb: ensureFerretdbBinary,
  jaeger: ensureJaegerBinary,
};

export type ArtifactDirs = Partial<Record<ArtifactName, string>>;

/**
 * Provisions artifacts in parallel. The first failure (or Ctrl-C) ends the
 * other downloads at once, and returns only after each has removed its
 * partial folder, so the cache holds complete artifacts and nothing else.
 */
export async function provisionArtifacts(names: readonly ArtifactName[]): Promise<ArtifactDirs> {
  const pending = [...new Set(names)].map(async (name) => [name, await provisioners[name]()] as const);
  const settleAll = async () => {
    killRunningTools();
    await Promise.allSettled(pending);
  };
  const release = onInterrupt(settleAll);
  try {
    return Object.fromEntries(await Promise.all(pending));
  } catch (error) {
    await settleAll();
    throw error;
  } finally {
    release();
  }
}

export function provisionFor(selected: readonly Engine[]): Promise<ArtifactDirs> {
  // Every native engine runs inside the Debian root, whatever else it needs.
  return provisionArtifacts(['debianRoot', ...selected.flatMap((e) => e.needs)]);
}

/** Where the artifacts are (or will be) cached, without fetching anything: enough for status, stop and kill. */
export function knownArtifactDirs(): ArtifactDirs {
  return { debianRoot: artifactDir(trixieRootKey), kafka: artifactDir(kafkaKey), debezium: artifactDir(debeziumKey), neo4j: artifactDir(neo4jKey), ferretdb: artifactDir(ferretdbKey), jaeger: artifactDir(jaegerKey) };
}
