// The test fault staleApply (packages/platform/src/test-faults.ts): the cache
// projection, right after it puts a newer version of a profile or post, writes
// the version before it back over it, unguarded, as a projection that applied
// a redelivered older message over a newer one would. Only a test's own
// projectors process runs with it: the history checker must then find Redis
// behind (strong, read-your-writes, monotonic reads, convergence).
import type { CacheOperation } from '../data-access/cache-operations.ts';

export class StaleApplyFault {
  /** Per key, the last version put: what goes back over the next one. */
  readonly #last = new Map<string, { position: number; value: string }>();

  /** The operations, each put of a newer version followed by a write of the one before it. */
  apply(operations: readonly CacheOperation[]): CacheOperation[] {
    const planned: CacheOperation[] = [];
    for (const operation of operations) {
      planned.push(operation);
      if (operation.kind !== 'putUser' && operation.kind !== 'putPost') continue;
      const position = operation.kind === 'putUser' ? operation.position : operation.version;
      const value = JSON.stringify(operation.kind === 'putUser' ? operation.user : operation.post);
      const before = this.#last.get(operation.key);
      if (before !== undefined && before.position >= position) continue;
      if (before !== undefined) planned.push({ kind: 'overwrite', key: operation.key, value: before.value });
      this.#last.set(operation.key, { position, value });
    }
    return planned;
  }
}
