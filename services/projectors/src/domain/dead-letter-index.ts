// The newest dead letters, in memory, newest first. The index is rebuilt from
// the dead-letter topic at every start, and a rebalance may deliver a record
// twice, so records are deduplicated by their own place in that topic, which
// is also the id a replay names. What became of replays comes from a second
// topic (pipeline.dead-letter-replays): a letter whose replay was applied, or
// whose replay failed again (a newer letter names it in replayOf), leaves the
// list for good. The two topics are read side by side, so a mark may arrive
// before the letter it names; it is kept until the letter comes.
import type { DeadLetter, DeadLetterReplayRecord } from '@polyglot/platform/kafka';

export const DEAD_LETTER_CAPACITY = 1000;

export interface DeadLetterEntry extends DeadLetter {
  /** "PARTITION:OFFSET" of the record in pipeline.dead-letters. */
  id: string;
  /** When a replay was published; null when none is under way. */
  replayedAt: string | null;
}

interface Entry {
  id: string;
  letter: DeadLetter;
  replayedAt: string | null;
}

export class DeadLetterIndex {
  private readonly capacity: number;
  /** Sorted by failedAt, newest first. */
  private readonly entries: Entry[] = [];
  private readonly ids = new Set<string>();
  /** Letters that left the list (replay applied, superseded by the letter of a failed replay, or discarded): never listed again. */
  private readonly gone = new Set<string>();
  /** Replays published for letters not read yet. */
  private readonly replayedEarly = new Map<string, string>();

  constructor(capacity = DEAD_LETTER_CAPACITY) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.entries.length;
  }

  /** id: where the record sits in the dead-letter topic ("partition:offset"). false: a duplicate, gone, or older than everything kept. */
  add(id: string, letter: DeadLetter): boolean {
    // A failed replay's letter replaces the one that was replayed.
    if (letter.replayOf) this.remove(letter.replayOf);
    if (this.ids.has(id) || this.gone.has(id)) return false;
    const at = this.insertionPoint(letter.failedAt);
    if (at >= this.capacity) return false;
    const replayedAt = this.replayedEarly.get(id) ?? null;
    this.replayedEarly.delete(id);
    this.entries.splice(at, 0, { id, letter, replayedAt });
    this.ids.add(id);
    if (this.entries.length > this.capacity) {
      const evicted = this.entries.pop();
      if (evicted) this.ids.delete(evicted.id);
    }
    return true;
  }

  /** What the replays topic says about a letter. */
  mark(record: Pick<DeadLetterReplayRecord, 'id' | 'state' | 'at'>): void {
    if (record.state !== 'replayed') {
      this.remove(record.id);
      return;
    }
    if (this.gone.has(record.id)) return;
    const entry = this.entries.find((e) => e.id === record.id);
    if (entry) entry.replayedAt ??= record.at;
    else this.replayedEarly.set(record.id, record.at);
  }

  get(id: string): DeadLetterEntry | undefined {
    const entry = this.entries.find((e) => e.id === id);
    return entry ? toListed(entry) : undefined;
  }

  newest(limit: number): DeadLetterEntry[] {
    return this.entries.slice(0, limit).map(toListed);
  }

  /** Every letter listed, oldest first: the order a replay of all of them follows. */
  oldestFirst(): DeadLetterEntry[] {
    return this.entries.map(toListed).reverse();
  }

  private remove(id: string): void {
    this.gone.add(id);
    this.replayedEarly.delete(id);
    if (!this.ids.delete(id)) return;
    const at = this.entries.findIndex((e) => e.id === id);
    if (at >= 0) this.entries.splice(at, 1);
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

function toListed(entry: Entry): DeadLetterEntry {
  return { ...entry.letter, id: entry.id, replayedAt: entry.replayedAt };
}
