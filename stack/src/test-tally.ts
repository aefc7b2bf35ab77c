// Counts a test run from the records of test-report.ts: passed, failed
// (cancelled and timed-out tests included) and skipped (todo included), and
// names every skip and todo that the one allow-list (stack/test/allowed-skips.ts)
// does not list with a reason. A skipped suite counts as one skip: node
// reports none of the tests inside it. A failed suite or parent test counts as
// one failure only when none of the tests inside it failed (a describe that
// threw before declaring its tests, say), so nothing is counted twice.
import { relative } from 'node:path';
import type { TestRecord } from './test-report.ts';

export interface AllowedSkip {
  /** The test file, relative to the repository root. */
  file: string;
  /** The test's (or suite's) own name, as written in the file. */
  test: string;
  /** Why it may be skipped, and what would let it run: required. */
  reason: string;
}

export interface Tally {
  passed: number;
  failed: number;
  skipped: number;
  failures: TestRecord[];
  /** Skipped or todo tests and suites that the allow-list does not name. */
  unlisted: TestRecord[];
}

export function relativeFile(root: string, file: string | null): string {
  return file === null ? '(no file)' : relative(root, file.startsWith('file://') ? new URL(file).pathname : file);
}

export function tally(records: readonly TestRecord[], allowed: readonly AllowedSkip[], root: string): Tally {
  const result: Tally = { passed: 0, failed: 0, skipped: 0, failures: [], unlisted: [] };
  // failedBelow[k]: failures counted at nesting k or deeper since the last record at a
  // shallower nesting, i.e. inside the entry at nesting k - 1 that has not finished yet
  // (node reports an entry after everything inside it). seenBelow: the same for records.
  let failedBelow: number[] = [];
  let seenBelow: number[] = [];
  let file: string | null | undefined;
  for (const record of records) {
    if (record.file !== file) {
      file = record.file;
      failedBelow = [];
      seenBelow = [];
    }
    const n = record.nesting;
    const innerFailures = failedBelow[n + 1] ?? 0;
    const innerRecords = seenBelow[n + 1] ?? 0;
    failedBelow.length = n + 1;
    seenBelow.length = n + 1;
    let failure = 0;
    if (record.skip !== undefined || record.todo !== undefined) {
      // A skipped suite hides its tests; a todo suite whose tests ran counted them already.
      if (record.kind === 'test' || innerRecords === 0) {
        result.skipped++;
        const name = relativeFile(root, record.file);
        if (!allowed.some((a) => a.file === name && a.test === record.name && a.reason.trim() !== '')) result.unlisted.push(record);
      }
    } else if (record.outcome === 'fail') {
      if (innerFailures === 0) {
        failure = 1;
        result.failed++;
        result.failures.push(record);
      }
    } else if (record.kind === 'test') {
      result.passed++;
    }
    // Its inner records already counted themselves at these levels.
    for (let level = 0; level <= n; level++) {
      failedBelow[level] = (failedBelow[level] ?? 0) + failure;
      seenBelow[level] = (seenBelow[level] ?? 0) + 1;
    }
  }
  return result;
}
