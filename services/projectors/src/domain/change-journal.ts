// What the reconciler's incremental check needs to know of each change: which
// entity of which source changed, and at what source position. The cache
// projection, which already sees every change, writes it to the change journal
// (contracts/cache-keys.ts changeJournalKey) with its other state writes.
import { changeJournalKey, changeJournalOverflowKey, CHANGE_JOURNAL_LIMIT } from '@polyglot/contracts/cache-keys';
import type { ChangeEvent } from '@polyglot/contracts/events';
import type { JournalEntry } from '../data-access/cache-operations.ts';

const positiveId = (value: unknown): string | null => {
  const n = typeof value === 'string' && /^[1-9][0-9]{0,15}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? String(n) : null;
};

function entry(source: 'users' | 'posts' | 'graph', member: string, position: number): JournalEntry {
  return { kind: 'journal', key: changeJournalKey(source), overflowKey: changeJournalOverflowKey(source), member, position, limit: CHANGE_JOURNAL_LIMIT };
}

/** The journal entry of a change, or null for one that names no entity the reconciler compares. */
export function journalEntryOf(event: ChangeEvent | null): JournalEntry | null {
  if (event === null) return null;
  const data = event.data as { post?: { author_id?: unknown }; post_author_id?: unknown; author_id?: unknown; followerId?: unknown; followeeId?: unknown };
  switch (event.type) {
    case 'USER_CREATED':
    case 'USER_UPDATED':
    case 'USER_DELETED': {
      const id = positiveId(event.entityId);
      return id ? entry('users', id, event.position) : null;
    }
    case 'POST_CREATED':
    case 'POST_UPDATED':
    case 'POST_LIKED':
    case 'POST_DELETED':
    case 'COMMENT_CREATED':
    case 'COMMENT_DELETED': {
      // A comment's author_id is the comment's; the post's author is in data.post or post_author_id.
      const author = positiveId(data.post?.author_id) ?? positiveId(data.post_author_id) ?? positiveId(data.author_id);
      return /^[0-9a-f]{24}$/.test(event.entityId) ? entry('posts', `${event.entityId}:${author ?? ''}`, event.position) : null;
    }
    case 'FOLLOW_CREATED':
    case 'FOLLOW_DELETED': {
      const follower = positiveId(data.followerId);
      const followee = positiveId(data.followeeId);
      return follower && followee ? entry('graph', `${follower}:${followee}`, event.position) : null;
    }
  }
}
