// One pipeline message → the cache operations it implies, applied to Redis.
// A message that can never be parsed is a PermanentError: dead-lettered at once.
import { z } from 'zod';
import { normalizeMessage, UnparseableMessageError, type ChangeEvent } from '@polyglot/contracts/events';
import { PermanentError } from '@polyglot/platform/kafka';
import type { CacheRepository } from '../data-access/cache.repository.ts';
import type { CacheOperation } from '../data-access/cache-operations.ts';
import { EventWithoutAuthorError, planCacheChange } from './cache-projection.ts';
import { journalEntryOf } from './change-journal.ts';
import type { StaleApplyFault } from './stale-apply-fault.ts';

export interface ProjectedChange {
  event: ChangeEvent | null;
  operations: CacheOperation[];
}

function plan(topic: string, value: string | null): ProjectedChange {
  try {
    const event = normalizeMessage(topic, value);
    const journal = journalEntryOf(event);
    return { event, operations: journal ? [...planCacheChange(event), journal] : planCacheChange(event) };
  } catch (error) {
    if (error instanceof UnparseableMessageError || error instanceof EventWithoutAuthorError) throw new PermanentError(error.message, { cause: error });
    if (error instanceof z.ZodError) throw new PermanentError(`the event's data is not a user: ${z.prettifyError(error)}`, { cause: error });
    throw error;
  }
}

/** stale: the test fault staleApply, in a test's own process only (stale-apply-fault.ts). */
export async function projectCacheChange(cache: CacheRepository, topic: string, value: string | null, stale?: StaleApplyFault): Promise<ProjectedChange> {
  const change = plan(topic, value);
  await cache.apply(stale ? stale.apply(change.operations) : change.operations);
  return change;
}

/**
 * Several waiting messages in one Redis round trip. Throws on anything unusual (a message that
 * does not parse, Redis away), and the consumer then projects them one by one.
 */
export async function projectCacheChanges(cache: CacheRepository, messages: ReadonlyArray<{ topic: string; value: string | null }>, stale?: StaleApplyFault): Promise<ProjectedChange[]> {
  const changes = messages.map((m) => plan(m.topic, m.value));
  const operations = changes.flatMap((c) => c.operations);
  await cache.applyMany(stale ? stale.apply(operations) : operations);
  return changes;
}
