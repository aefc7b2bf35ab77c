// The history checker (stack/provision/history-checker, docs/history-checker.md): built as the
// stack builds it, run on each recorded history in its testdata — good, bad per property, and one
// per deliberately broken mode of the system — and its own Go tests run with the same Go.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { HISTORY_PROPERTIES, type HistoryVerdict, type MalformedHistory } from '@polyglot/contracts/history';
import { HistoryRecorder } from '@polyglot/platform/history-recorder';
import { goEnv, requireGo } from '../src/provision/go-build.ts';
import { ensureHistoryCheckerBinary, historyCheckerSourceDir } from '../src/provision/history-checker-binary.ts';
import { FIXTURES, FIXTURES_DIR, generateHistory, toJsonLines } from '../test-fixtures/history-generator.ts';

interface Expectation {
  exit: 0 | 1 | 2;
  anomalous?: string[];
  line?: number;
}

const expectations = Object.entries(JSON.parse(readFileSync(join(FIXTURES_DIR, 'expectations.json'), 'utf8')) as Record<string, Expectation>).filter(([name]) => !name.startsWith('$'));

function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}

test('each recorded history gets its verdict: the exit code, and the anomalous properties by name', async () => {
  const checker = await ensureHistoryCheckerBinary();
  assert.ok(expectations.length >= 10);
  for (const [name, want] of expectations) {
    const { code, stdout, stderr } = await run(checker, [join(FIXTURES_DIR, name)]);
    assert.equal(code, want.exit, `${name}: exit ${code}; ${stderr}`);
    if (want.exit === 2) {
      const malformed = JSON.parse(stdout) as MalformedHistory;
      assert.equal(malformed.code, 'MALFORMED_HISTORY');
      assert.equal(malformed.line, want.line, `${name}: ${malformed.error}`);
      assert.match(stderr, new RegExp(`malformed history: line ${want.line}: `));
      continue;
    }
    const verdict = JSON.parse(stdout) as HistoryVerdict;
    assert.deepEqual(Object.keys(verdict.properties), [...HISTORY_PROPERTIES], name);
    const anomalous = HISTORY_PROPERTIES.filter((p) => verdict.properties[p].anomalies > 0);
    assert.deepEqual(anomalous, HISTORY_PROPERTIES.filter((p) => want.anomalous?.includes(p)), `${name}: anomalous properties`);
    assert.equal(verdict.valid, want.exit === 0, name);
    assert.equal(verdict.anomalies.length, HISTORY_PROPERTIES.reduce((n, p) => n + verdict.properties[p].anomalies, 0), `${name}: the list holds every anomaly counted`);
    for (const anomaly of verdict.anomalies) {
      assert.ok(anomaly.explanation.length > 0 && anomaly.entity && anomaly.store, `${name}: ${JSON.stringify(anomaly)}`);
      assert.deepEqual(anomaly.lines.map((line) => line.index), anomaly.indexes, `${name}: the fragment's lines are the indexes named`);
    }
  }
});

test('the checker reads a history on stdin as well', async () => {
  const checker = await ensureHistoryCheckerBinary();
  const { code, stdout } = await run(checker, [], { input: readFileSync(join(FIXTURES_DIR, 'good.jsonl'), 'utf8') });
  assert.equal(code, 0);
  assert.equal((JSON.parse(stdout) as HistoryVerdict).valid, true);
});

test('the committed histories are what stack/test-fixtures/history-generator.ts makes', () => {
  for (const [name, options] of Object.entries(FIXTURES)) {
    const committed = readFileSync(join(FIXTURES_DIR, `${name}.jsonl`), 'utf8');
    assert.ok(committed === toJsonLines(generateHistory(options)), `${name}.jsonl differs from what the generator makes: run node stack/test-fixtures/history-generator.ts and check testdata/expectations.json`);
  }
});

test('the checker’s own Go tests pass', async () => {
  requireGo('the history checker’s tests');
  const { code, stdout, stderr } = await run('go', ['test', './...'], { cwd: historyCheckerSourceDir, env: goEnv() });
  assert.equal(code, 0, `go test ./... in stack/provision/history-checker failed:\n${stdout}${stderr}`);
});

test('a history the recorder writes (packages/platform/src/history-recorder.ts) is read and judged by the checker', async () => {
  const checker = await ensureHistoryCheckerBinary();
  const record = (broken: boolean): string => {
    const lines: string[] = [];
    const history = new HistoryRecorder((line) => lines.push(JSON.stringify(line)));
    const writer = { process: 0, session: 'client-0', mode: 'strong' as const };
    const reader = { process: 1, session: 'client-1', mode: 'strong' as const };
    const seen = (position: number | null) => ({ postgres: { position: position === null ? null : position + 5, deleted: false }, neo4j: { position, deleted: false } });
    history.write(writer, null, false).ok('users:42:100');
    history.read(reader, 'users:42').ok(seen(100));
    history.write(writer, 'users:42', false).ok('users:42:200');
    // Broken: a strong read after the strong write of 200 was acknowledged still shows 100 in Neo4j.
    history.read(reader, 'users:42', 'users:42:200').ok(broken ? { ...seen(200), neo4j: { position: 100, deleted: false } } : seen(200));
    history.write(writer, 'users:42', true).ok('users:42:300');
    history.read(reader, 'users:42').ok({ postgres: { position: null, deleted: false }, neo4j: { position: 300, deleted: true } });
    history.final('users:42', { postgres: { position: null, deleted: false }, neo4j: { position: 300, deleted: true } });
    return `${lines.join('\n')}\n`;
  };
  const good = await run(checker, [], { input: record(false) });
  assert.equal(good.code, 0, good.stdout + good.stderr);
  const bad = await run(checker, [], { input: record(true) });
  assert.equal(bad.code, 1, bad.stdout + bad.stderr);
  const verdict = JSON.parse(bad.stdout) as HistoryVerdict;
  assert.ok(verdict.anomalies.some((a) => a.property === 'strong' && a.store === 'neo4j'), JSON.stringify(verdict.anomalies));
  assert.ok(verdict.anomalies.some((a) => a.property === 'read-your-writes' && a.store === 'neo4j'), JSON.stringify(verdict.anomalies));
});
