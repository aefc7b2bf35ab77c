// The Debezium connector that captures the users table from PostgreSQL's WAL.
// Registered by the stack once Connect is healthy; PUT .../config creates or
// updates, so registering twice is harmless.
import { Admin } from '@platformatic/kafka';
import { connectHeaders, endpoints, HOST, urls } from './endpoints.ts';

export const USERS_CONNECTOR = 'users-cdc';
export const USERS_TOPIC_PREFIX = 'users-db';
export const USERS_TOPIC = `${USERS_TOPIC_PREFIX}.public.users`;

/** With the stack's password of the users database, read when the connector is registered. */
export const usersConnectorConfig = () => ({
  'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
  'plugin.name': 'pgoutput',
  'database.hostname': HOST,
  'database.port': String(endpoints.postgres.port),
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
  // Decides CDC latency: commit→consumed median ≈ 750 ms at the default 500 ms, ≈ 20 ms at 10 ms.
  'poll.interval.ms': '10',
  // Heartbeats move the slot forward even when users is idle, so the slot never holds WAL without bound.
  'heartbeat.interval.ms': '10000',
  'snapshot.mode': 'initial',
  'decimal.handling.mode': 'string',
  'time.precision.mode': 'connect',
});

/** The change topic exists before the first change, so consumers can subscribe from the start. */
async function ensureUsersTopic(): Promise<void> {
  const admin = new Admin({ clientId: 'stack-setup', bootstrapBrokers: [urls.kafka] });
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(USERS_TOPIC)) await admin.createTopics({ topics: [USERS_TOPIC], partitions: 3, replicas: 1 });
  } finally {
    await admin.close();
  }
}

export async function registerUsersConnector(): Promise<void> {
  await ensureUsersTopic();
  const response = await fetch(`${urls.connect}/connectors/${USERS_CONNECTOR}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...connectHeaders() },
    body: JSON.stringify(usersConnectorConfig()),
  });
  if (!response.ok) throw new Error(`registering the ${USERS_CONNECTOR} connector failed: ${response.status} ${await response.text()}`);
}

export interface ConnectorState {
  connector: string;
  tasks: string[];
}

export async function usersConnectorState(): Promise<ConnectorState | undefined> {
  const response = await fetch(`${urls.connect}/connectors/${USERS_CONNECTOR}/status`, { headers: connectHeaders() });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`Kafka Connect answered ${response.status} for the ${USERS_CONNECTOR} connector's status: ${(await response.text()).slice(0, 200)}`);
  const body = (await response.json()) as { connector: { state: string }; tasks: Array<{ state: string }> };
  return { connector: body.connector.state, tasks: body.tasks.map((t) => t.state) };
}

/** Restarts the connector's failed tasks (a task that failed with the configuration it had before this registration). */
export async function restartFailedUsersConnectorTasks(): Promise<void> {
  const response = await fetch(`${urls.connect}/connectors/${USERS_CONNECTOR}/restart?includeTasks=true&onlyFailed=true`, { method: 'POST', headers: connectHeaders() });
  if (!response.ok && response.status !== 404) throw new Error(`restarting the ${USERS_CONNECTOR} connector's failed tasks failed: ${response.status} ${await response.text()}`);
}
