// The graph projection: users (Debezium) and post events → :User and :Post
// nodes. Thin: normalise, plan (pure), apply. The supervised consumer gives
// at-least-once delivery and waits out a Neo4j outage; the repository makes
// every operation idempotent.
import { normalizeMessage, UnparseableMessageError } from '@polyglot/contracts/events';
import { consumerGroups, topics } from '@polyglot/contracts/topics';
import { SupervisedConsumer } from '@polyglot/platform/consumer';
import { appliedOf, PermanentError, type AppliedChange } from '@polyglot/platform/kafka';
import type { Logger } from '@polyglot/platform/logger';
import type { GraphProjectionRepository } from '../data-access/graph-projection.repository.ts';
import { InvalidChangeError, planGraphChange } from '../domain/graph-projection.ts';

/** What the graph projection reads: users (Debezium) and post events. */
export const GRAPH_PROJECTION_TOPICS = [topics.userChanges, topics.postChanges, topics.legacyPostEvents] as const;

export interface GraphProjectionOptions {
  repository: GraphProjectionRepository;
  /** Called after a change that wrote outbox events (a user's deletion ends their follows). */
  onOutboxWritten?: () => void;
  logger: Logger;
  groupId?: string;
  /** Told what was applied (to raise the graph projection's watermarks). */
  onApplied?: (changes: AppliedChange[]) => void;
}

export function createGraphProjection(options: GraphProjectionOptions): SupervisedConsumer {
  const { repository, onOutboxWritten, onApplied } = options;
  const isPermanent = (error: unknown) => error instanceof UnparseableMessageError || error instanceof InvalidChangeError;
  return new SupervisedConsumer({
    groupId: options.groupId ?? consumerGroups.graphProjector,
    topics: GRAPH_PROJECTION_TOPICS,
    logger: options.logger,
    startFrom: 'earliest',
    isPermanent,
    ...(onApplied ? { onApplied } : {}),
    handle: async (message) => {
      let event;
      let operations;
      try {
        event = normalizeMessage(message.topic, message.value);
        operations = planGraphChange(event);
      } catch (error) {
        if (isPermanent(error)) throw new PermanentError((error as Error).message, { cause: error });
        throw error;
      }
      await repository.apply(operations);
      if (operations.some((op) => op.kind === 'delete-user')) onOutboxWritten?.();
      return event ? appliedOf(event) : null;
    },
    // Several waiting messages in one Neo4j transaction. Any problem (a message that does not
    // parse, Neo4j away) throws, and they are applied one by one, which dead-letters or waits as usual.
    handleBatch: async (messages) => {
      const events = messages.map((message) => normalizeMessage(message.topic, message.value));
      const operations = events.map((event) => planGraphChange(event));
      await repository.applyMany(operations);
      if (operations.some((ops) => ops.some((op) => op.kind === 'delete-user'))) onOutboxWritten?.();
      return events.map((event) => (event ? appliedOf(event) : null));
    },
  });
}
