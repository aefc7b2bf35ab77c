// Kafka Connect (distributed mode) carrying the Debezium PostgreSQL connector,
// which turns the WAL of the users database and of FerretDB's storage into
// Kafka messages (cdc-connectors.ts).
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectHeaders, endpoints, HOST, urls } from './endpoints.ts';
import { JAVA, jvmFlags, withTimeout, type Engine } from './engine.ts';
import { kafkaClasspath, LOG4J2 } from './kafka.ts';
import { registerConnectors } from './cdc-connectors.ts';

export const DEBEZIUM_POSTGRES_CLASS = 'io.debezium.connector.postgresql.PostgresConnector';

const WORKER_PROPERTIES = `# Written by the stack at every start; edit stack/src/engines/connect.ts instead.
bootstrap.servers=${HOST}:${endpoints.kafka.port}
group.id=polyglot-connect
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
key.converter.schemas.enable=false
value.converter.schemas.enable=false
config.storage.topic=connect-configs
offset.storage.topic=connect-offsets
status.storage.topic=connect-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
offset.flush.interval.ms=1000
listeners=http://${HOST}:${endpoints.connect.port}
rest.advertised.host.name=${HOST}
rest.advertised.port=${endpoints.connect.port}
plugin.path=/srv/plugins
# Every REST call needs HTTP basic authentication (the users in /srv/data/rest-credentials.properties, via JAAS).
rest.extension.classes=org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension
# Finds plugins through their service manifests: starts faster and needs half the memory of a full scan.
plugin.discovery=service_load
`;

/** JAAS: the REST extension checks each request's user and password against a properties file. */
const JAAS = `KafkaConnect {
  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required
  file="/srv/data/rest-credentials.properties";
};
`;

interface ConnectorPlugin {
  class: string;
  type: string;
  version: string;
}

export const connect: Engine = {
  name: 'connect',
  kind: 'engine',
  title: 'Kafka Connect + Debezium',
  address: `${HOST}:${endpoints.connect.port}`,
  ports: [endpoints.connect.port],
  needs: ['kafka', 'debezium'],
  // The sources too: the connectors are registered as soon as Connect answers.
  dependsOn: ['kafka', 'postgres', 'ferretdb-store'],
  stopSignal: 'SIGTERM',
  stopTimeoutMs: 30_000,
  startTimeoutMs: 120_000,

  async prepare(ctx) {
    await mkdir(join(ctx.dataDir, 'tmp'), { recursive: true });
    await writeFile(join(ctx.dataDir, 'connect-distributed.properties'), WORKER_PROPERTIES);
    await writeFile(join(ctx.dataDir, 'log4j2.properties'), LOG4J2);
    await writeFile(join(ctx.dataDir, 'rest-jaas.conf'), JAAS);
    // Written at every start: a data folder made before the stack had credentials takes them now.
    const users = join(ctx.dataDir, 'rest-credentials.properties');
    await writeFile(users, `${endpoints.connect.user}=${endpoints.connect.password}\n`, { mode: 0o600 });
    await chmod(users, 0o600);
  },

  launch(ctx) {
    return {
      argv: [JAVA, ...jvmFlags({ min: '64m', max: '384m' }, { ctx, jarDir: join(ctx.artifacts.kafka!, 'libs') }), '-Dlog4j2.configurationFile=/srv/data/log4j2.properties', '-Djava.security.auth.login.config=/srv/data/rest-jaas.conf', '-cp', kafkaClasspath, 'org.apache.kafka.connect.cli.ConnectDistributed', '/srv/data/connect-distributed.properties'],
      binds: [
        { source: ctx.artifacts.kafka!, target: '/srv/dist' },
        { source: join(ctx.artifacts.debezium!, 'plugins'), target: '/srv/plugins' },
      ],
    };
  },

  async probe() {
    return withTimeout('connect probe', 3000, (async () => {
      const headers = connectHeaders();
      const root = (await (await fetch(`${urls.connect}/`, { headers })).json()) as { version?: string };
      const response = await fetch(`${urls.connect}/connector-plugins`, { headers });
      if (response.status === 401) throw new Error('Kafka Connect refuses the credentials in .stack/credentials.json (401); restart it so that it reads them: ./stackctl stop connect && ./stackctl start connect');
      if (!response.ok) throw new Error(`connector-plugins answered ${response.status}`);
      const plugins = (await response.json()) as ConnectorPlugin[];
      const debezium = plugins.find((p) => p.class === DEBEZIUM_POSTGRES_CLASS);
      if (!debezium) throw new Error('Connect runs but the Debezium PostgreSQL plugin is not loaded');
      return { version: `Connect ${root.version ?? '?'} + Debezium ${debezium.version}` };
    })());
  },

  async afterHealthy() {
    await registerConnectors();
  },
};
