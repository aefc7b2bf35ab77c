// JVM engines from Maven Central: Kafka (broker + Connect), the Debezium
// PostgreSQL plugin, and the Neo4j server with its Browser. Maven resolves
// the jars; nothing is built.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { versions } from '../engines/endpoints.ts';
import { StackError } from '../errors.ts';
import { cacheRoot, repoRoot, statePaths } from '../paths.ts';
import { runTool } from '../run-tool.ts';
import { ensureArtifact } from './cached-artifact.ts';
import { hasCommand } from './host-packages.ts';

const mavenRepo = join(cacheRoot, 'maven-repository');

function requireMaven(): void {
  if (!hasCommand('mvn') || !hasCommand('java')) {
    throw new StackError('MISSING_TOOL', 'the native stack needs Java 17+ and Maven (mvn) to fetch Kafka, Debezium and Neo4j; install them (apt-get install openjdk-17-jre-headless maven) or use Docker Compose (./stackctl up --docker)');
  }
}

function mavenArgs(logName: string): { logFile: string; common: string[] } {
  return {
    logFile: join(statePaths.provisionLogs, `${logName}.log`),
    common: ['-B', '-q', `-Dmaven.repo.local=${mavenRepo}`, '-Dmaven.wagon.http.retryHandler.count=2', '-Dmaven.wagon.rto=60000'],
  };
}

async function copyDependencies(pomFolder: string, logName: string, what: string, outDir: string): Promise<void> {
  requireMaven();
  const { logFile, common } = mavenArgs(logName);
  await mkdir(outDir, { recursive: true });
  await runTool({
    what,
    command: 'mvn',
    args: [...common, '-f', join(repoRoot, 'stack/provision/maven', pomFolder, 'pom.xml'), 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${outDir}`],
    logFile,
    timeoutMs: 900_000,
    failureCode: 'FETCH_FAILED',
  });
}

/** A short hash of a pom: a jar added to it makes a new cache entry instead of reusing one without the jar. */
function pomHash(pomFolder: string): string {
  return createHash('sha256').update(readFileSync(join(repoRoot, 'stack/provision/maven', pomFolder, 'pom.xml'))).digest('hex').slice(0, 10);
}

export const kafkaKey = `kafka-${versions.kafka}-${pomHash('kafka')}`;
export const debeziumKey = `debezium-postgres-${versions.debezium}`;
export const neo4jKey = `neo4j-${versions.neo4j}-browser-${versions.neo4jBrowser}`;

/** Kafka broker, KRaft tools and Connect runtime jars in `<dir>/libs`. */
export function ensureKafkaJars(): Promise<string> {
  return ensureArtifact({
    key: kafkaKey,
    label: `Kafka ${versions.kafka} + Connect jars from Maven Central`,
    build: (dir) => copyDependencies('kafka', 'kafka-jars', `fetching Kafka ${versions.kafka} jars`, join(dir, 'libs')),
  });
}

/** The Debezium PostgreSQL connector unpacked under `<dir>/plugins`, Connect's plugin.path. */
export function ensureDebeziumPlugin(): Promise<string> {
  return ensureArtifact({
    key: debeziumKey,
    label: `Debezium ${versions.debezium} PostgreSQL connector from Maven Central`,
    build: async (dir) => {
      requireMaven();
      const { logFile, common } = mavenArgs('debezium-plugin');
      await runTool({
        what: `fetching io.debezium:debezium-connector-postgres:${versions.debezium} (plugin tar.gz)`,
        command: 'mvn',
        args: [...common, 'dependency:copy', `-Dartifact=io.debezium:debezium-connector-postgres:${versions.debezium}:tar.gz:plugin`, `-DoutputDirectory=${dir}`],
        logFile,
        timeoutMs: 900_000,
        failureCode: 'FETCH_FAILED',
        cwd: dir,
      });
      const archive = (await readdir(dir)).find((name) => name.endsWith('.tar.gz'));
      if (!archive) throw new StackError('FETCH_FAILED', `the Debezium plugin archive is missing after the fetch (see ${logFile})`);
      await mkdir(join(dir, 'plugins'), { recursive: true });
      await runTool({ what: 'unpacking the Debezium plugin', command: 'tar', args: ['-xzf', join(dir, archive), '-C', join(dir, 'plugins')], logFile, timeoutMs: 120_000 });
    },
  });
}

/** Neo4j Community server, its command line tools and Neo4j Browser in `<dir>/libs`. */
export function ensureNeo4jJars(): Promise<string> {
  return ensureArtifact({
    key: neo4jKey,
    label: `Neo4j ${versions.neo4j} + Browser ${versions.neo4jBrowser} jars from Maven Central`,
    build: (dir) => copyDependencies('neo4j', 'neo4j-jars', `fetching Neo4j ${versions.neo4j} jars`, join(dir, 'libs')),
  });
}
