// One run of the history checker (stack/provision/history-checker, a Go
// program; docs/history-checker.md) on a recorded history, for the lab (in the
// gateway) and ./stackctl check (in the CLI): exit 0 (valid) or 1 (anomalies)
// with a JSON verdict on stdout, exit 2 when the history is malformed.
import { spawn } from 'node:child_process';
import type { HistoryVerdict, MalformedHistory } from '@polyglot/contracts/history';

/** The checker could not judge the history: it is malformed (a recorder's bug, naming the line), or the checker failed. */
export class HistoryCheckerError extends Error {
  override name = 'HistoryCheckerError';
}

export interface CheckerRun {
  /** The history file; or its text, sent on stdin. */
  file?: string;
  text?: string;
  /** The whole run, killed past it (default 120 s). */
  timeoutMs?: number;
}

export async function runHistoryChecker(binary: string, run: CheckerRun): Promise<HistoryVerdict> {
  const child = spawn(binary, run.file === undefined ? [] : [run.file], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  // A checker that exits before it read all of stdin (it refused the history) must not fail the write with EPIPE.
  child.stdin.on('error', () => undefined);
  child.stdin.end(run.text ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), run.timeoutMs ?? 120_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', (error) => reject(new HistoryCheckerError(`the history checker ${binary} cannot run: ${error.message}`, { cause: error })));
    child.on('close', (exit, signal) => resolve(signal ? null : exit));
  }).finally(() => clearTimeout(timer));
  if (code === 0 || code === 1) {
    try {
      return JSON.parse(stdout) as HistoryVerdict;
    } catch {
      throw new HistoryCheckerError(`the history checker answered exit ${code} without a verdict: ${stderr.trim() || stdout.slice(0, 500)}`);
    }
  }
  if (code === 2) {
    let malformed: MalformedHistory | null = null;
    try {
      malformed = JSON.parse(stdout) as MalformedHistory;
    } catch {
      // Not a malformed history: the checker could not read its input.
    }
    throw new HistoryCheckerError(malformed ? `the recorded history is malformed at line ${malformed.line}: ${malformed.error}` : `the history checker could not read the history: ${stderr.trim()}`);
  }
  throw new HistoryCheckerError(code === null ? `the history checker did not finish within ${(run.timeoutMs ?? 120_000) / 1000} s` : `the history checker failed (exit ${code}): ${stderr.trim()}`);
}
