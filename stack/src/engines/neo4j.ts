// Neo4j Community server (with Neo4j Browser): who follows whom, who posted what.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect as connectTcp } from 'node:net';
import { join } from 'node:path';
import neo4jDriver from 'neo4j-driver';
import { endpoints, HOST, urls } from './endpoints.ts';
import { JAVA, jvmFlags, withTimeout, type Engine, type EngineContext } from './engine.ts';

const CONFIG = `# Written by the stack at every start; edit stack/src/engines/neo4j.ts instead.
server.default_listen_address=${HOST}
server.default_advertised_address=${HOST}
server.bolt.listen_address=${HOST}:${endpoints.neo4j.boltPort}
server.bolt.tls_level=DISABLED
server.http.listen_address=${HOST}:${endpoints.neo4j.httpPort}
server.http.enabled=true
server.https.enabled=false
server.memory.pagecache.size=128m
# Otherwise every database preallocates 256 MB of transaction log up front.
db.tx_log.preallocate=false
db.tx_log.rotation.retention_policy=1 days
dbms.usage_report.enabled=false
server.directories.data=/srv/data/data
server.directories.logs=/srv/data/logs
server.directories.run=/srv/data/run
server.directories.plugins=/srv/data/plugins
server.directories.import=/srv/data/import
server.directories.lib=/srv/data/lib
`;

const JVM_OPENS = [
  '--add-opens=java.base/java.nio=ALL-UNNAMED',
  '--add-opens=java.base/java.io=ALL-UNNAMED',
  '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-opens=java.base/java.lang=ALL-UNNAMED',
  '-Dio.netty.tryReflectionSetAccessible=true',
];

function libBind(ctx: EngineContext) {
  return [{ source: join(ctx.artifacts.neo4j!, 'libs'), target: '/srv/data/lib' }];
}

function boltAnswers(): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host: HOST, port: endpoints.neo4j.boltPort });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

/** The password of every Neo4j data folder made before the stack generated its own (and of a Compose volume made then). */
const LEGACY_PASSWORD = 'neo4jpass';

async function accepts(password: string): Promise<boolean> {
  const driver = neo4jDriver.driver(urls.neo4jBolt, neo4jDriver.auth.basic(endpoints.neo4j.user, password), { connectionTimeout: 5000 });
  try {
    return await driver.verifyAuthentication();
  } finally {
    await driver.close();
  }
}

/**
 * A data folder made before the stack generated its credentials keeps the old well-known password: log in
 * with it once and change it to the stack's. Nothing to do on later starts.
 */
async function alignPassword(): Promise<void> {
  const password = endpoints.neo4j.password;
  if (await accepts(password)) return;
  if (await accepts(LEGACY_PASSWORD)) {
    const driver = neo4jDriver.driver(urls.neo4jBolt, neo4jDriver.auth.basic(endpoints.neo4j.user, LEGACY_PASSWORD));
    try {
      await driver.executeQuery('ALTER CURRENT USER SET PASSWORD FROM $old TO $new', { old: LEGACY_PASSWORD, new: password }, { database: 'system' });
    } finally {
      await driver.close();
    }
    if (await accepts(password)) return;
  }
  throw new Error(`Neo4j refuses the password in .stack/credentials.json and the old default; if that file was replaced, put the earlier one back, or set the password in Neo4j Browser (${urls.neo4jHttp}/browser/) to the one ./stackctl credentials shows`);
}

export const neo4j: Engine = {
  name: 'neo4j',
  kind: 'engine',
  title: 'Neo4j (graph)',
  address: `bolt ${HOST}:${endpoints.neo4j.boltPort}, http ${HOST}:${endpoints.neo4j.httpPort}`,
  ports: [endpoints.neo4j.boltPort, endpoints.neo4j.httpPort],
  needs: ['neo4j'],
  dependsOn: [],
  stopSignal: 'SIGTERM',
  stopTimeoutMs: 45_000,
  startTimeoutMs: 120_000,

  async prepare(ctx) {
    for (const dir of ['conf', 'data', 'logs', 'run', 'plugins', 'import', 'lib', 'tmp']) await mkdir(join(ctx.dataDir, dir), { recursive: true });
    await writeFile(join(ctx.dataDir, 'conf', 'neo4j.conf'), CONFIG);
    if (!existsSync(join(ctx.dataDir, 'data', 'dbms', 'auth.ini'))) {
      await ctx.runOnce('setting the initial Neo4j password', {
        // The password reaches the command through the environment, so the command line the log records holds none.
        argv: ['sh', '-c', 'exec "$@" "$NEO4J_INITIAL_PASSWORD"', 'set-initial-password', JAVA, ...jvmFlags({ min: '64m', max: '256m' }), ...JVM_OPENS, '-cp', '/srv/data/lib/*', 'org.neo4j.server.startup.Neo4jAdminCommand', 'dbms', 'set-initial-password'],
        binds: libBind(ctx),
        env: { NEO4J_HOME: '/srv/data', NEO4J_CONF: '/srv/data/conf', NEO4J_INITIAL_PASSWORD: endpoints.neo4j.password },
      });
    }
  },

  launch(ctx) {
    return {
      argv: [JAVA, ...jvmFlags({ min: '96m', max: '512m' }, { ctx, jarDir: join(ctx.artifacts.neo4j!, 'libs') }), ...JVM_OPENS, '-cp', '/srv/data/lib/*', 'org.neo4j.server.CommunityEntryPoint', '--home-dir=/srv/data', '--config-dir=/srv/data/conf'],
      binds: libBind(ctx),
      env: { NEO4J_HOME: '/srv/data', NEO4J_CONF: '/srv/data/conf' },
    };
  },

  async probe() {
    return withTimeout('neo4j probe', 3000, (async () => {
      const response = await fetch(`${urls.neo4jHttp}/`, { headers: { accept: 'application/json' } });
      if (!response.ok) throw new Error(`neo4j http answered ${response.status}`);
      const discovery = (await response.json()) as { neo4j_version?: string; neo4j_edition?: string };
      await boltAnswers();
      return { version: `Neo4j ${discovery.neo4j_version ?? '?'} ${discovery.neo4j_edition ?? ''}`.trim() };
    })());
  },

  async afterHealthy() {
    await alignPassword();
  },
};
