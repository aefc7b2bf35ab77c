// The Debezium connectors that capture the sources: users from PostgreSQL's WAL,
// posts from the WAL of FerretDB's PostgreSQL (natively) or from MongoDB's
// change stream (under Compose). Registered by the stack once Connect is
// healthy; PUT .../config creates or updates, so registering twice is harmless.
import { Admin } from '@platformatic/kafka';
import { partitionsOf, topics } from '@polyglot/contracts/topics';
import { ensureTopics as ensureContractTopics } from '@polyglot/platform/kafka';
import { waitFor } from '@polyglot/platform/wait-for';
import { recordedMode, type Mode } from '../mode.ts';
import { connectHeaders, endpoints, HOST, urls } from './endpoints.ts';
import { POSTS_CAPTURE_NAME, POSTS_SCHEMA } from './posts-capture.ts';

export interface CdcConnector {
  name: string;
  /**
   * The topic its changes reach, made before the connector so consumers can subscribe from the start,
   * with its contract's partitions (partitionsOf): users are keyed by id, so their changes may spread
   * over partitions; FerretDB's rows have no key, so the posts' topic has one, and one post's versions
   * stay in order because every change of every post does.
   */
  topic: string;
  /** Read when the connector is registered: it carries the stack's passwords. */
  config(mode: Mode): Record<string, string>;
}

/**
 * Every connector hands each change to Kafka as soon as it has one (max.batch.size 1: Debezium
 * otherwise waits out poll.interval.ms to fill a batch; Connect's producer batches anyway), and
 * looks for the next one every 50 ms. An idle task spins on the clock for the end of each interval,
 * so a shorter interval costs a core's share with nothing to capture and a longer one adds latency;
 * the measurements behind 50 ms are in docs/adr/0021-jvms-on-two-cores.md ("Connect idle").
 */
const COMMON = {
  'poll.interval.ms': '50',
  'max.batch.size': '1',
  // Heartbeats move a slot forward even when its tables are idle, so it never holds WAL without bound.
  'heartbeat.interval.ms': '10000',
  'decimal.handling.mode': 'string',
  'time.precision.mode': 'connect',
};

export const USERS_TOPIC_PREFIX = 'users-db';

export const usersConnector: CdcConnector = {
  name: 'users-cdc',
  topic: topics.userChanges,
  config: (mode) => ({
    ...COMMON,
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'plugin.name': 'pgoutput',
    // Under Compose, Connect reaches PostgreSQL by its service name on Compose's network.
    'database.hostname': mode === 'docker' ? 'postgres' : HOST,
    'database.port': mode === 'docker' ? '5432' : String(endpoints.postgres.port),
    'database.user': endpoints.postgres.user,
    'database.password': endpoints.postgres.password,
    'database.dbname': endpoints.postgres.database,
    'topic.prefix': USERS_TOPIC_PREFIX,
    'table.include.list': 'public.users',
    // The hash never leaves PostgreSQL: not in Kafka, not in any projection.
    'column.exclude.list': 'public.users.hashed_password',
    'publication.name': 'dbz_users',
    'publication.autocreate.mode': 'filtered',
    'slot.name': 'dbz_users',
    'snapshot.mode': 'initial',
  }),
};

/** Both backends' topics are renamed to the one the projections read: they never learn which ran. */
const toPostChanges = (regex: string) => ({
  transforms: 'route',
  'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
  'transforms.route.regex': regex,
  'transforms.route.replacement': topics.postChanges,
});

export const postsConnector: CdcConnector = {
  name: 'posts-cdc',
  topic: topics.postChanges,
  config: (mode) =>
    mode === 'docker'
      ? {
          ...COMMON,
          // MongoDB's change stream (a single-node replica set in the Compose file), each change with the whole document.
          'connector.class': 'io.debezium.connector.mongodb.MongoDbConnector',
          'mongodb.connection.string': 'mongodb://mongo:27017/?replicaSet=rs0',
          'topic.prefix': 'posts-db',
          'collection.include.list': `${endpoints.ferretdb.database}.posts`,
          'capture.mode': 'change_streams_update_full',
          'snapshot.mode': 'no_data',
          'tombstones.on.delete': 'false',
          ...toPostChanges('posts-db\\..*'),
        }
      : {
          ...COMMON,
          'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
          'plugin.name': 'pgoutput',
          'database.hostname': HOST,
          'database.port': String(endpoints.ferretdbStore.port),
          'database.user': endpoints.ferretdbStore.user,
          'database.password': endpoints.ferretdbStore.password,
          'database.dbname': endpoints.ferretdbStore.database,
          'topic.prefix': 'posts-db',
          'table.include.list': `${POSTS_SCHEMA}\\.posts_[0-9a-f]{8}`,
          // Made by the stack with the cluster (see posts-capture.ts), before FerretDB could write:
          // streaming starts where the slot began, so no change is missed and none is snapshotted twice.
          'publication.name': POSTS_CAPTURE_NAME,
          'publication.autocreate.mode': 'disabled',
          'slot.name': POSTS_CAPTURE_NAME,
          'snapshot.mode': 'no_data',
          // A post's deletion is its tombstone version's change; the row's removal after it says nothing new.
          'tombstones.on.delete': 'false',
          ...toPostChanges(`posts-db\\.${POSTS_SCHEMA}\\.posts_[0-9a-f]{8}`),
        },
};

export const CDC_CONNECTORS = [usersConnector, postsConnector] as const;

/**
 * Makes each connector's topic with its contract's partitions, and refuses one made otherwise: a
 * posts' topic with several partitions would apply one post's versions out of order, and a topic's
 * partitions cannot be taken back. A consumer that starts before Connect may make the topic first:
 * it makes it with partitionsOf too.
 */
async function ensureTopics(): Promise<void> {
  await ensureContractTopics(CDC_CONNECTORS.map((c) => c.topic), undefined, [urls.kafka]);
  const admin = new Admin({ clientId: 'stack-setup', bootstrapBrokers: [urls.kafka] });
  try {
    const metadata = await admin.metadata({ topics: CDC_CONNECTORS.map((c) => c.topic) });
    for (const connector of CDC_CONNECTORS) {
      const expected = partitionsOf(connector.topic);
      const actual = metadata.topics.get(connector.topic)?.partitionsCount;
      if (actual !== undefined && actual !== expected) {
        throw new Error(
          `Kafka's topic ${connector.topic} has ${actual} partitions where the ${connector.name} connector needs ${expected}: ` +
            'its changes could be applied out of order, and a topic cannot lose partitions. ' +
            'This stack was made by an earlier version; ./stackctl reset --yes && ./stackctl up makes it again (it deletes the stack\'s data).',
        );
      }
    }
  } finally {
    await admin.close();
  }
}

export interface ConnectorState {
  connector: string;
  tasks: string[];
}

export async function connectorState(connector: CdcConnector): Promise<ConnectorState | undefined> {
  const response = await fetch(`${urls.connect}/connectors/${connector.name}/status`, { headers: connectHeaders() });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`Kafka Connect answered ${response.status} for the ${connector.name} connector's status: ${(await response.text()).slice(0, 200)}`);
  const body = (await response.json()) as { connector: { state: string }; tasks: Array<{ state: string; trace?: string }> };
  return { connector: body.connector.state, tasks: body.tasks.map((t) => t.state) };
}

/** Restarts the connector's failed tasks (a task that failed with the configuration it had before this registration). */
async function restartFailedTasks(connector: CdcConnector): Promise<void> {
  const response = await fetch(`${urls.connect}/connectors/${connector.name}/restart?includeTasks=true&onlyFailed=true`, { method: 'POST', headers: connectHeaders() });
  if (!response.ok && response.status !== 404) throw new Error(`restarting the ${connector.name} connector's failed tasks failed: ${response.status} ${await response.text()}`);
}

async function register(connector: CdcConnector, mode: Mode): Promise<void> {
  const response = await fetch(`${urls.connect}/connectors/${connector.name}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...connectHeaders() },
    body: JSON.stringify(connector.config(mode)),
  });
  if (!response.ok) throw new Error(`registering the ${connector.name} connector failed: ${response.status} ${await response.text()}`);
}

/** Registers every connector and waits until each task runs, so `up` only reports healthy once changes are being captured. */
export async function registerConnectors(mode: Mode = recordedMode()): Promise<void> {
  await ensureTopics();
  for (const connector of CDC_CONNECTORS) await register(connector, mode);
  for (const connector of CDC_CONNECTORS) {
    // A task that failed before this registration (it started with a database's former password) gets one restart;
    // a second failure is reported at once rather than waited out.
    let restartedAt: number | undefined;
    let failedAgain = false;
    await waitFor(`the ${connector.name} connector RUNNING (else see GET ${urls.connect}/connectors/${connector.name}/status)`, async () => {
      const state = await connectorState(connector);
      if (state?.tasks.includes('FAILED')) {
        if (restartedAt === undefined) {
          await restartFailedTasks(connector);
          restartedAt = Date.now();
        } else if (Date.now() - restartedAt > 5000) failedAgain = true;
      }
      return failedAgain || (state?.connector === 'RUNNING' && state.tasks.length > 0 && state.tasks.every((t) => t === 'RUNNING'));
    }, { timeoutMs: 60_000, intervalMs: 250 });
    if (failedAgain) throw new Error(`the ${connector.name} connector task failed; see GET ${urls.connect}/connectors/${connector.name}/status`);
  }
}
