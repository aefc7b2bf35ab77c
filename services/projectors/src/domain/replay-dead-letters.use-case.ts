// Replays dead letters: each goes back to its own topic and partition with its
// key, value and headers, marked for the one group that failed it (every
// other group already applied it, or has its own letter). That group applies
// it like any message (every projection is idempotent, by eventId or by
// position, so a replay of something already applied changes nothing) and
// records it as applied; the letter then leaves the list. A letter whose
// replay is under way is not published again, so replaying twice applies once.
// A relay's letter (an event never produced) goes to every group: none saw it.
import type { DeadLetterReplayResult } from '@polyglot/contracts/api';
import { AppError, StoreUnavailableError } from '@polyglot/platform/errors';
import { isRejectedRecord, REPLAY_HEADERS, type DeadLetterReplayRecord } from '@polyglot/platform/kafka';
import type { ReplayMessage, ReplayPublisher } from '../data-access/replay.publisher.ts';
import type { DeadLetterEntry, DeadLetterIndex } from './dead-letter-index.ts';

/** One letter ({id}) or every one listed ({all: true}). */
export type ReplaySelection = { id?: string | undefined; all?: true | undefined };

/** Why a letter cannot be replayed, or null when it can. */
function notReplayable(letter: DeadLetterEntry): string | null {
  if (letter.valueTruncated) return 'its value was cut to fit the dead-letter topic, so the original message is not known';
  return null;
}

/** The replay of one letter: its message, marked for the group that failed it, and the record that says so. */
export function replayOfLetter(letter: DeadLetterEntry, now = new Date()): { message: ReplayMessage; record: DeadLetterReplayRecord } {
  const produced = letter.stage !== 'produce';
  const headers = { ...letter.headers, ...(produced ? { [REPLAY_HEADERS.id]: letter.id, [REPLAY_HEADERS.group]: letter.group } : {}) };
  return {
    message: { topic: letter.topic, ...(produced && letter.partition >= 0 ? { partition: letter.partition } : {}), key: letter.key, value: letter.value, headers },
    // A relay's event is done with once it is in its topic; a consumer's letter once its group applied it.
    record: { id: letter.id, state: produced ? 'replayed' : 'applied', group: letter.group, at: now.toISOString() },
  };
}

export async function replayDeadLetters(index: DeadLetterIndex, publisher: ReplayPublisher, selection: ReplaySelection): Promise<DeadLetterReplayResult> {
  const result: DeadLetterReplayResult = { replayed: [], pending: [], refused: [] };
  let letters: DeadLetterEntry[];
  const one = selection.id;
  if (one !== undefined) {
    const letter = index.get(one);
    if (!letter) {
      throw new AppError('DEAD_LETTER_NOT_FOUND', `no dead letter ${one} is listed; it may have been replayed and applied already (GET /pipeline/dead-letters lists the others)`, { id: one });
    }
    const reason = notReplayable(letter);
    if (reason) throw new AppError('DEAD_LETTER_NOT_REPLAYABLE', `dead letter ${letter.id} cannot be replayed: ${reason}`, { id: letter.id });
    letters = [letter];
  } else {
    letters = index.oldestFirst();
  }
  for (const letter of letters) {
    const reason = notReplayable(letter);
    if (reason) {
      result.refused.push({ id: letter.id, reason });
      continue;
    }
    if (letter.replayedAt !== null) {
      result.pending.push(letter.id);
      continue;
    }
    const { message, record } = replayOfLetter(letter);
    try {
      await publisher.publish(message, record);
    } catch (error) {
      if (!isRejectedRecord(error)) throw new StoreUnavailableError('Kafka', error);
      const refusal = `Kafka refuses the message (${(error as Error).message}); it cannot be replayed as it is`;
      if (one !== undefined) throw new AppError('DEAD_LETTER_NOT_REPLAYABLE', `dead letter ${letter.id} cannot be replayed: ${refusal}`, { id: letter.id });
      result.refused.push({ id: letter.id, reason: refusal });
      continue;
    }
    index.mark(record);
    result.replayed.push(letter.id);
  }
  return result;
}
