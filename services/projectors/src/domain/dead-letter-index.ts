// The newest dead letters, in memory, newest first. The index is rebuilt from
// the dead-letter topic at every start, and a rebalance may deliver a record
// twice, so records are deduplicated by their own place in that topic.
import type { DeadLetter } from '@polyglot/platform/kafka';

export const DEAD_LETTER_CAPACITY = 1000;

interface Entry {
  id: string;
  letter: DeadLetter;
}

export class DeadLetterIndex {
  private readonly capacity: number;
  /** Sorted by failedAt, newest first. */
  private readonly entries: Entry[] = [];
  private readonly ids = new Set<string>();

  constructor(capacity = DEAD_LETTER_CAPACITY) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.entries.length;
  }

  /** id: where the record sits in the dead-letter topic ("partition:offset"). false: a duplicate, or older than everything kept. */
  add(id: string, letter: DeadLetter): boolean {
    if (this.ids.has(id)) return false;
    const at = this.insertionPoint(letter.failedAt);
    if (at >= this.capacity) return false;
    this.entries.splice(at, 0, { id, letter });
    this.ids.add(id);
    if (this.entries.length > this.capacity) {
      const evicted = this.entries.pop();
      if (evicted) this.ids.delete(evicted.id);
    }
    return true;
  }

  newest(limit: number): DeadLetter[] {
    return this.entries.slice(0, limit).map((e) => e.letter);
  }

  /** First index whose entry is strictly older: equal times keep their arrival order. */
  private insertionPoint(failedAt: string): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.entries[mid]?.letter.failedAt ?? '') >= failedAt) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
