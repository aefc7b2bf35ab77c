// Provisions the cached artifacts that a set of engines needs, in parallel.
import type { ArtifactName, Engine } from '../engines/engine.ts';
import { killRunningTools } from '../run-tool.ts';
import { artifactDir } from '../provision/cached-artifact.ts';
import { debeziumKey, ensureDebeziumPlugin, ensureKafkaJars, ensureNeo4jJars, kafkaKey, neo4jKey } from '../provision/maven-artifacts.ts';
import { ensureFerretdbBinary, ferretdbKey } from '../provision/ferretdb-binary.ts';
import { ensureTrixieRoot, trixieRootKey } from '../provision/trixie-root.ts';

const provisioners: Record<ArtifactName, () => Promise<string>> = {
  debianRoot: ensureTrixieRoot,
  kafka: ensureKafkaJars,
  debezium: ensureDebeziumPlugin,
  neo4j: ensureNeo4jJars,
  ferretdb: ensureFerretdbBinary,
};

export type ArtifactDirs = Partial<Record<ArtifactName, string>>;

/** Provisions the artifacts of the given engines in parallel; the first failure ends the others at once. */
export async function provisionArtifacts(names: readonly ArtifactName[]): Promise<ArtifactDirs> {
  try {
    const entries = await Promise.all([...new Set(names)].map(async (name) => [name, await provisioners[name]()] as const));
    return Object.fromEntries(entries);
  } catch (error) {
    killRunningTools();
    throw error;
  }
}

export function provisionFor(selected: readonly Engine[]): Promise<ArtifactDirs> {
  // Every native engine runs inside the Debian root, whatever else it needs.
  return provisionArtifacts(['debianRoot', ...selected.flatMap((e) => e.needs)]);
}

/** Where the artifacts are (or will be) cached, without fetching anything: enough for status, stop and kill. */
export function knownArtifactDirs(): ArtifactDirs {
  return { debianRoot: artifactDir(trixieRootKey), kafka: artifactDir(kafkaKey), debezium: artifactDir(debeziumKey), neo4j: artifactDir(neo4jKey), ferretdb: artifactDir(ferretdbKey) };
}
