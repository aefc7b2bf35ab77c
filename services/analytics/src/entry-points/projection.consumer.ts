// The analytics projection: every pipeline message → one events row, through
// the supervised consumer (commit after success, retries, dead letters; a
// TimescaleDB outage is waited out rather than dead-lettered).
import type { Logger } from 'pino';
import { consumerGroups, PIPELINE_TOPICS } from '@polyglot/contracts/topics';
import { appliedOf } from '@polyglot/platform/kafka';
import { SupervisedConsumer } from '@polyglot/platform/consumer';
import type { WatermarkPublisher } from '@polyglot/platform/watermark-publisher';
import type { EventRepository } from '../data-access/event.repository.ts';
import type { DropFault } from '../domain/drop-fault.ts';
import { recordChange, recordChanges } from '../domain/record-change.use-case.ts';

/** drop: the test fault dropOneIn, in a test's own process only (domain/drop-fault.ts). */
export function createProjection(events: EventRepository, logger: Logger, watermarks?: WatermarkPublisher, groupId: string = consumerGroups.analyticsProjector, drop?: DropFault): SupervisedConsumer {
  const log = logger.child({ projection: groupId });
  return new SupervisedConsumer({
    groupId,
    topics: PIPELINE_TOPICS,
    logger: log,
    // Every change becomes an event here, so this group reports each Debezium capture's span, once.
    reportsCapture: true,
    startFrom: 'earliest',
    handle: async (message) => {
      const { outcome, event } = await recordChange(events, message.topic, message.value, drop);
      log.debug({ topic: message.topic, partition: message.partition, offset: String(message.offset), outcome }, 'projected');
      // A replay moves the watermark but would report its age, not the pipeline's latency.
      return event ? appliedOf(event, outcome === 'duplicate') : null;
    },
    handleBatch: async (messages) => {
      const recorded = await recordChanges(events, messages, drop);
      return recorded.map((r) => (r ? appliedOf(r.event, !r.inserted) : null));
    },
    ...(watermarks ? { onApplied: (changes) => watermarks.applied(changes) } : {}),
  });
}
