// ./stackctl dead-letters [--json] [--limit N]: the messages the pipeline gave
// up on, through the gateway. ./stackctl dead-letters replay [ID]: publish one
// (or, without ID, every one listed) again for the group that failed it.
// Exit 0 when nothing is left to do (no dead letter; every replay published or
// already under way), 1 when some remain (listed) or were refused (replay),
// 3 when the gateway could not be asked. GATEWAY_URL and GATEWAY_TOKEN (an
// admin session, when AUTH_REQUIRED is on) say where and as whom.
import type { z } from 'zod';
import type { DeadLetterEntry, DeadLetterReplayResult } from '@polyglot/contracts/api';
import { StackError } from '../errors.ts';
import { gatewayCall } from '../gateway-call.ts';
import { info } from '../progress.ts';

type Letter = z.infer<typeof DeadLetterEntry>;

export const DEAD_LETTERS_HELP = `  dead-letters [--limit N] [--json]  the messages the pipeline gave up on, newest first, with their ids (exit 1 if any)
  dead-letters replay [ID]           replay one dead letter, or every one listed; each leaves the list once applied (GATEWAY_URL, GATEWAY_TOKEN)`;

const MAX_CELL = 60;
const cell = (text: string) => (text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text);

export function renderDeadLetters(letters: readonly Letter[]): string {
  if (letters.length === 0) return 'No dead letters: every message was applied.';
  const header = ['ID', 'GROUP', 'FROM', 'FAILED AT', 'REPLAYED', 'ERROR'];
  const rows = letters.map((l) => [
    l.id,
    l.group,
    l.partition < 0 ? `${l.topic} (never produced)` : `${l.topic}/${l.partition}@${l.offset}`,
    l.failedAt,
    l.replayedAt ?? '-',
    cell(l.error.replace(/\s+/g, ' ')),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line), '', 'Replay one with ./stackctl dead-letters replay ID, or all of them without an ID.'].join('\n');
}

export function renderReplay(result: DeadLetterReplayResult): string {
  const lines = [`Replayed ${result.replayed.length}${result.replayed.length > 0 ? `: ${result.replayed.join(', ')}` : ''}`];
  if (result.pending.length > 0) lines.push(`Already under way (not published again): ${result.pending.join(', ')}`);
  for (const refused of result.refused) lines.push(`Refused ${refused.id}: ${refused.reason}`);
  if (result.replayed.length > 0) lines.push('Each leaves ./stackctl dead-letters once the group that failed it has applied it.');
  return lines.join('\n');
}

export async function deadLettersCommand(positionals: readonly string[], options: { json?: boolean; limit?: string }): Promise<number> {
  const [action, id, ...extra] = positionals;
  if (action === undefined) {
    const limit = options.limit ?? '100';
    if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > 1000) throw new StackError('BAD_ARGUMENT', `--limit takes a number from 1 to 1000 (not "${limit}")`, { exitCode: 2 });
    const letters = await gatewayCall<Letter[]>('GET', `/pipeline/dead-letters?limit=${limit}`, { failureCode: 'DEAD_LETTERS_FAILED' });
    process.stdout.write(options.json ? `${JSON.stringify(letters, null, 2)}\n` : `${renderDeadLetters(letters)}\n`);
    return letters.length === 0 ? 0 : 1;
  }
  if (action !== 'replay' || extra.length > 0) {
    throw new StackError('BAD_ARGUMENT', `dead-letters takes no argument, or "replay [ID]" (not "${positionals.join(' ')}"); see ./stackctl help`, { exitCode: 2 });
  }
  if (id !== undefined && !/^\d+:\d+$/.test(id)) throw new StackError('BAD_ARGUMENT', `a dead letter id is PARTITION:OFFSET, as ./stackctl dead-letters lists it (not "${id}")`, { exitCode: 2 });
  info(id ? `replaying dead letter ${id} through the gateway` : 'replaying every dead letter through the gateway');
  const result = await gatewayCall<DeadLetterReplayResult>('POST', '/pipeline/dead-letters/replay', { body: id ? { id } : { all: true }, failureCode: 'REPLAY_FAILED' });
  process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : `${renderReplay(result)}\n`);
  return result.refused.length === 0 ? 0 : 1;
}
