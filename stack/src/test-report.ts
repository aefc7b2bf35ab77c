// A reporter for node's test runner (--test-reporter=this file): one JSON line
// per finished test or suite, with what `./stackctl test` needs to count it and
// to name it: file, line, nesting, kind, outcome and any skip or todo reason.
// The spec reporter writes the human report beside it; counting from these
// events instead of from the spec text is what lets `./stackctl test` see a
// skipped suite (node's own summary counts none) or a suite that failed before
// any of its tests ran.

export interface TestRecord {
  file: string | null;
  name: string;
  line: number | null;
  nesting: number;
  kind: 'test' | 'suite';
  outcome: 'pass' | 'fail';
  /** The reason given, or true; absent when the test was not skipped. */
  skip?: string | true;
  todo?: string | true;
  /** node's failureType: testCodeFailure, testTimeoutFailure, cancelledByParent, hookFailed, subtestsFailed… */
  failure?: string;
}

interface TestEventData {
  name: string;
  nesting: number;
  file?: string;
  line?: number;
  skip?: string | boolean;
  todo?: string | boolean;
  details?: { type?: 'test' | 'suite'; error?: { failureType?: string } };
}

const reason = (value: string | boolean | undefined): string | true | undefined => (value === undefined || value === false ? undefined : value === true || value === '' ? true : value);

/**
 * The reporter node's test runner loads by path (--test-reporter=…/test-report.ts in commands/test.ts).
 * @public
 */
export default async function* report(source: AsyncIterable<{ type: string; data: unknown }>): AsyncGenerator<string> {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const data = event.data as TestEventData;
    const record: TestRecord = {
      file: data.file ?? null,
      name: data.name,
      line: data.line ?? null,
      nesting: data.nesting,
      kind: data.details?.type === 'suite' ? 'suite' : 'test',
      outcome: event.type === 'test:pass' ? 'pass' : 'fail',
    };
    const skip = reason(data.skip);
    const todo = reason(data.todo);
    if (skip !== undefined) record.skip = skip;
    if (todo !== undefined) record.todo = todo;
    const failure = data.details?.error?.failureType;
    if (event.type === 'test:fail' && failure) record.failure = failure;
    yield `${JSON.stringify(record)}\n`;
  }
}
