// One pipeline message → the cache operations it implies, applied to Redis.
// A message that can never be parsed is a PermanentError: dead-lettered at once.
import { z } from 'zod';
import { normalizeMessage, UnparseableMessageError, type ChangeEvent } from '@polyglot/contracts/events';
import { PermanentError } from '@polyglot/platform/kafka';
import type { CacheRepository } from '../data-access/cache.repository.ts';
import { planCacheChange, type CacheOperation } from './cache-projection.ts';

export interface ProjectedChange {
  event: ChangeEvent | null;
  operations: CacheOperation[];
}

export async function projectCacheChange(cache: CacheRepository, topic: string, value: string | null): Promise<ProjectedChange> {
  let event: ChangeEvent | null;
  let operations: CacheOperation[];
  try {
    event = normalizeMessage(topic, value);
    operations = planCacheChange(event);
  } catch (error) {
    if (error instanceof UnparseableMessageError) throw new PermanentError(error.message, { cause: error });
    if (error instanceof z.ZodError) throw new PermanentError(`the event's data is not a user: ${z.prettifyError(error)}`, { cause: error });
    throw error;
  }
  await cache.apply(operations);
  return { event, operations };
}
