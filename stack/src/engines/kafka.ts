// Apache Kafka in KRaft mode (one process is broker and controller): the log
// every change travels through.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { KAFKA_MAX_MESSAGE_BYTES } from '@polyglot/contracts/topics';
import { endpoints, HOST, versions } from './endpoints.ts';
import { JAVA, jvmFlags, withTimeout, type Engine } from './engine.ts';

export const LOG4J2 = `# Written by the stack: Kafka 4 reads log4j2 configuration; everything goes to stdout (the engine log).
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
`;

const SERVER_PROPERTIES = `# Written by the stack at every start; edit stack/src/engines/kafka.ts instead.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${HOST}:${endpoints.kafka.controllerPort}
listeners=PLAINTEXT://${HOST}:${endpoints.kafka.port},CONTROLLER://${HOST}:${endpoints.kafka.controllerPort}
advertised.listeners=PLAINTEXT://${HOST}:${endpoints.kafka.port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=/srv/data/logs
num.partitions=3
default.replication.factor=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=168
# The largest record batch (Kafka's default, stated): the relays keep each send under it.
message.max.bytes=${KAFKA_MAX_MESSAGE_BYTES}
# The log cleaner's dedupe buffer lives on the heap (128 MB by default, allocated at start, 3/4 of what
# the broker held after its first collection); 8 MB holds the keys of 350,000 records per cleaning pass,
# far more than the compacted topics here (consumer offsets, Connect's state) carry.
log.cleaner.dedupe.buffer.size=8388608
# Request and background threads for a broker that serves a few hundred records a second on 2 cores
# (the defaults, 8 I/O, 3 network and 10 background threads, are sized for a server).
num.io.threads=2
num.network.threads=2
background.threads=2
`;

export const kafkaClasspath = '/srv/dist/libs/*';

export const kafka: Engine = {
  name: 'kafka',
  kind: 'engine',
  title: 'Kafka (KRaft)',
  address: `${HOST}:${endpoints.kafka.port}`,
  ports: [endpoints.kafka.port, endpoints.kafka.controllerPort],
  needs: ['kafka'],
  dependsOn: [],
  stopSignal: 'SIGTERM',
  stopTimeoutMs: 30_000,
  startTimeoutMs: 90_000,

  async prepare(ctx) {
    await mkdir(join(ctx.dataDir, 'tmp'), { recursive: true });
    await writeFile(join(ctx.dataDir, 'server.properties'), SERVER_PROPERTIES);
    await writeFile(join(ctx.dataDir, 'log4j2.properties'), LOG4J2);
    if (!existsSync(join(ctx.dataDir, 'logs', 'meta.properties'))) {
      // A KRaft cluster id is 16 random bytes in URL-safe base64, as `kafka-storage random-uuid` makes,
      // and like it never starting with '-' (one in 64 would, and the tool would read it as an option).
      let clusterId = randomBytes(16).toString('base64url');
      while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
      await ctx.runOnce('formatting Kafka storage', {
        argv: [JAVA, ...jvmFlags({ min: '64m', max: '256m' }), '-Dlog4j2.configurationFile=/srv/data/log4j2.properties', '-cp', kafkaClasspath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', '/srv/data/server.properties'],
        binds: [{ source: ctx.artifacts.kafka!, target: '/srv/dist' }],
      });
    }
  },

  launch(ctx) {
    return {
      argv: [JAVA, ...jvmFlags({ min: '64m', max: '384m' }, { ctx, jarDir: join(ctx.artifacts.kafka!, 'libs') }), '-Dlog4j2.configurationFile=/srv/data/log4j2.properties', '-cp', kafkaClasspath, 'kafka.Kafka', '/srv/data/server.properties'],
      binds: [{ source: ctx.artifacts.kafka!, target: '/srv/dist' }],
    };
  },

  async probe() {
    const admin = new Admin({ clientId: 'stack-health', bootstrapBrokers: [`${HOST}:${endpoints.kafka.port}`], timeout: 2000, retries: 0 });
    try {
      const metadata = await withTimeout('kafka probe', 3000, admin.metadata({ topics: [] }));
      if (metadata.brokers.size === 0) throw new Error('kafka answers but reports no broker yet');
      return { version: `Kafka ${versions.kafka} (KRaft, cluster ${metadata.id})` };
    } finally {
      await admin.close().catch(() => undefined);
    }
  },
};
