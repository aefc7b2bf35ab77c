// Provisions the cached artifacts that a set of engines needs, in parallel.
import type { ArtifactName, Engine } from '../engines/engine.ts';
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

export async function provisionFor(selected: readonly Engine[]): Promise<ArtifactDirs> {
  // Every native engine runs inside the Debian root, whatever else it needs.
  const names = [...new Set<ArtifactName>(['debianRoot', ...selected.flatMap((e) => e.needs)])];
  const results = await Promise.allSettled(names.map(async (name) => [name, await provisioners[name]()] as const));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return Object.fromEntries(results.map((r) => (r as PromiseFulfilledResult<readonly [ArtifactName, string]>).value));
}

/** Where the artifacts are (or will be) cached, without fetching anything: enough for status, stop and kill. */
export function knownArtifactDirs(): ArtifactDirs {
  return { debianRoot: artifactDir(trixieRootKey), kafka: artifactDir(kafkaKey), debezium: artifactDir(debeziumKey), neo4j: artifactDir(neo4jKey), ferretdb: artifactDir(ferretdbKey) };
}
