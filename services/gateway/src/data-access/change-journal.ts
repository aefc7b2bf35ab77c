// The change journal the cache projection keeps in the state store (see
// contracts/cache-keys.ts changeJournalKey): the entities changed since the
// reconciler's incremental check last looked, per source, scored by the source
// position of their latest change. The check takes the oldest first and forgets
// an entry only if no newer change of that entity arrived while it looked.
import type { Redis } from 'ioredis';
import { changeJournalCoveredKey, changeJournalKey, changeJournalOverflowKey } from '@polyglot/contracts/cache-keys';

export const JOURNAL_SOURCES = ['users', 'posts', 'graph'] as const;
export type JournalSource = (typeof JOURNAL_SOURCES)[number];

export interface JournalEntry {
  source: JournalSource;
  member: string;
  /** The source position of the entity's latest change, as the journal held it when read. */
  position: number;
}

export interface JournalRead {
  entries: JournalEntry[];
  /** Entries left for a later look, beyond the `limit` per source. */
  remaining: number;
  /** Sources whose journal was trimmed since the last full check: only a full check covers what was cut. */
  overflowed: JournalSource[];
}

// KEYS[1] the journal; ARGV pairs of (member, position): removed only if still at that position.
const FORGET = `
local removed = 0
for i = 1, #ARGV, 2 do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) == tonumber(ARGV[i + 1]) then removed = removed + redis.call('ZREM', KEYS[1], ARGV[i]) end
end
return removed`;

export function createChangeJournal(state: Redis) {
  return {
    /** The oldest `limit` entries of each source, and what is left. */
    async read(limit: number): Promise<JournalRead> {
      const pipeline = state.pipeline();
      for (const source of JOURNAL_SOURCES) {
        pipeline.zrange(changeJournalKey(source), 0, limit - 1, 'WITHSCORES');
        pipeline.zcard(changeJournalKey(source));
        pipeline.exists(changeJournalOverflowKey(source));
      }
      const replies = ((await pipeline.exec()) ?? []).map(([error, reply]) => {
        if (error) throw error;
        return reply;
      });
      const read: JournalRead = { entries: [], remaining: 0, overflowed: [] };
      JOURNAL_SOURCES.forEach((source, i) => {
        const flat = replies[i * 3] as string[];
        for (let j = 0; j < flat.length; j += 2) read.entries.push({ source, member: flat[j]!, position: Number(flat[j + 1]) });
        read.remaining += Math.max(0, (replies[i * 3 + 1] as number) - flat.length / 2);
        if (replies[i * 3 + 2] === 1) read.overflowed.push(source);
      });
      return read;
    },

    /** Forgets the entries a check covered, each unless a newer change of its entity arrived meanwhile. */
    async forget(entries: readonly JournalEntry[]): Promise<void> {
      for (const source of JOURNAL_SOURCES) {
        const mine = entries.filter((e) => e.source === source);
        for (let start = 0; start < mine.length; start += 1000) {
          const args = mine.slice(start, start + 1000).flatMap((e) => [e.member, String(e.position)]);
          await state.eval(FORGET, 1, changeJournalKey(source), ...args);
        }
      }
    },

    /**
     * A full check begins: it covers everything, so what was trimmed no longer matters, and what the
     * journal holds now is kept aside (a copy inside Redis) to be forgotten once the check has ended.
     */
    async fullCheckBegins(): Promise<void> {
      const pipeline = state.pipeline();
      for (const source of JOURNAL_SOURCES) {
        pipeline.del(changeJournalOverflowKey(source));
        pipeline.copy(changeJournalKey(source), changeJournalCoveredKey(source), 'REPLACE');
      }
      const failed = ((await pipeline.exec()) ?? []).find(([error]) => error);
      if (failed) throw failed[0];
    },

    /**
     * A full check has ended: the changes it covered are forgotten, each unless a newer change of its
     * entity arrived meanwhile (then the next incremental check looks at it), a thousand at a time.
     */
    async fullCheckEnded(): Promise<number> {
      let forgotten = 0;
      for (const source of JOURNAL_SOURCES) {
        const covered = changeJournalCoveredKey(source);
        for (let start = 0; ; start += 1000) {
          const flat = await state.zrange(covered, start, start + 999, 'WITHSCORES');
          if (flat.length === 0) break;
          forgotten += Number(await state.eval(FORGET, 1, changeJournalKey(source), ...flat));
        }
        await state.del(covered);
      }
      return forgotten;
    },
  };
}
export type ChangeJournal = ReturnType<typeof createChangeJournal>;
