// The history checker, a program the stack builds (HISTORY_CHECKER: its path,
// bound read-only into the gateway's root): it judges the history a lab
// experiment recorded. Without it, experiments answer without a verdict.
import type { HistoryVerdict } from '@polyglot/contracts/history';
import { HistoryCheckerError, runHistoryChecker } from '@polyglot/platform/history-checker-run';

/** A lab history is a few thousand lines: judged in well under a second; past this something is wrong. */
const CHECK_TIMEOUT_MS = 60_000;

export function createHistoryChecker(binary: string | null) {
  return {
    async check(history: string): Promise<HistoryVerdict> {
      if (binary === null) throw new HistoryCheckerError('this gateway has no history checker (HISTORY_CHECKER is off; ./stackctl up passes the one it builds)');
      return runHistoryChecker(binary, { text: history, timeoutMs: CHECK_TIMEOUT_MS });
    },
  };
}
export type HistoryChecker = ReturnType<typeof createHistoryChecker>;
