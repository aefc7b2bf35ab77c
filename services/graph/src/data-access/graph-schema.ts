// Constraints and indexes the graph relies on. IF NOT EXISTS makes this safe to
// run at every start and from both processes at once.
import type { Logger } from '@polyglot/platform/logger';
import type { Driver } from 'neo4j-driver';
import { retryBackoffMs } from '@polyglot/platform/backoff';
import { isStoreUnavailable } from '@polyglot/platform/errors';
import { noteGraphStoreDown } from './neo4j.ts';

const STATEMENTS = [
  'CREATE CONSTRAINT user_id_unique IF NOT EXISTS FOR (u:User) REQUIRE u.id IS UNIQUE',
  'CREATE CONSTRAINT post_id_unique IF NOT EXISTS FOR (p:Post) REQUIRE p.id IS UNIQUE',
  'CREATE CONSTRAINT outbox_event_id_unique IF NOT EXISTS FOR (o:Outbox) REQUIRE o.eventId IS UNIQUE',
  // A second sequence node would hand out the same seq twice.
  'CREATE CONSTRAINT outbox_sequence_name_unique IF NOT EXISTS FOR (s:OutboxSequence) REQUIRE s.name IS UNIQUE',
  'CREATE INDEX outbox_seq IF NOT EXISTS FOR (o:Outbox) ON (o.seq)',
  // What a user's deletion leaves behind, so nothing late brings the user back (see graph-projection.repository.ts).
  'CREATE CONSTRAINT deleted_user_id_unique IF NOT EXISTS FOR (t:DeletedUser) REQUIRE t.id IS UNIQUE',
];

export async function ensureGraphSchema(driver: Driver): Promise<void> {
  // One connection attempt first: a store that is down fails here at once, not after the driver's retries.
  await driver.verifyConnectivity();
  for (const statement of STATEMENTS) {
    try {
      await driver.executeQuery(statement);
    } catch (error) {
      // Two processes starting together can race on the same schema statement; the loser finds it done.
      if (!/EquivalentSchemaRuleAlreadyExists|already exists/i.test(`${(error as { code?: string }).code} ${(error as Error).message}`)) throw error;
    }
  }
  await driver.executeQuery("MERGE (s:OutboxSequence {name: 'graph'}) ON CREATE SET s.value = 0");
}

/**
 * Applies the schema now, or, when Neo4j is not reachable yet, keeps trying in
 * the background: the process still starts and answers 503 until the store is
 * back. Any other failure (a wrong password) stops the start.
 */
export async function prepareGraphSchema(driver: Driver, logger: Logger, maxRetryMs = 2000): Promise<{ stop(): void }> {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let failures = 0;
  const attempt = async (): Promise<void> => {
    try {
      await ensureGraphSchema(driver);
      logger.info('graph schema ready');
      failures = 0;
    } catch (error) {
      if (!isStoreUnavailable(error)) throw error;
      noteGraphStoreDown(driver);
      if (stopped) return;
      failures++;
      if (failures === 1) logger.warn({ err: error }, 'Neo4j is unavailable; the graph schema will be applied when it answers');
      timer = setTimeout(() => void attempt().catch((e: unknown) => logger.error({ err: e }, 'applying the graph schema failed')), retryBackoffMs(failures, maxRetryMs));
      timer.unref();
    }
  };
  await attempt();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
