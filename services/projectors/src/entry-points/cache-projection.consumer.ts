// The cache projection: every pipeline message → Redis, through the supervised
// consumer (commit after success, retries, dead letters; a Redis outage is
// waited out rather than dead-lettered).
import type { Logger } from 'pino';
import { consumerGroups, PIPELINE_TOPICS } from '@polyglot/contracts/topics';
import { appliedOf } from '@polyglot/platform/kafka';
import { SupervisedConsumer } from '@polyglot/platform/consumer';
import type { WatermarkPublisher } from '@polyglot/platform/watermark-publisher';
import type { CacheRepository } from '../data-access/cache.repository.ts';
import { projectCacheChange, projectCacheChanges } from '../domain/project-cache-change.use-case.ts';
import type { StaleApplyFault } from '../domain/stale-apply-fault.ts';

/** stale: the test fault staleApply, in a test's own process only (domain/stale-apply-fault.ts). */
export function createCacheProjection(cache: CacheRepository, logger: Logger, watermarks?: WatermarkPublisher, groupId: string = consumerGroups.cacheProjector, stale?: StaleApplyFault): SupervisedConsumer {
  const log = logger.child({ projection: groupId });
  return new SupervisedConsumer({
    groupId,
    topics: PIPELINE_TOPICS,
    logger: log,
    startFrom: 'earliest',
    handle: async (message) => {
      const { event, operations } = await projectCacheChange(cache, message.topic, message.value, stale);
      log.debug({ topic: message.topic, partition: message.partition, offset: String(message.offset), operations: operations.length }, 'projected');
      return event ? appliedOf(event) : null;
    },
    handleBatch: async (messages) => {
      const changes = await projectCacheChanges(cache, messages, stale);
      return changes.map(({ event }) => (event ? appliedOf(event) : null));
    },
    ...(watermarks ? { onApplied: (changes) => watermarks.applied(changes) } : {}),
  });
}
