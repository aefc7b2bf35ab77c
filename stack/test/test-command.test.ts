// ./stackctl test's counting, on real runs of node's test runner over small
// test files written here: a skip, a todo or a skipped suite fails the run
// unless allowed with a reason; a cancelled test, a timeout, a failed hook or a
// describe that throws counts as failed; the last line is always
// "N passed, N failed, N skipped". And every test file of the tree runs in a phase.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { conclude, runTests, testPlan, type PhaseResult } from '../src/commands/test.ts';
import { repoRoot } from '../src/paths.ts';

let dir: string;
before(async () => {
  // Inside the repository, so the files are named as the allow-list names them, in a
  // git-ignored folder that the test plan does not look into.
  await mkdir(join(repoRoot, '.stack'), { recursive: true });
  dir = await mkdtemp(join(repoRoot, '.stack', 'test-command-'));
});
after(() => rm(dir, { recursive: true, force: true }));

async function runFiles(files: Record<string, string>): Promise<PhaseResult> {
  const paths: string[] = [];
  for (const [name, body] of Object.entries(files)) {
    const path = join(dir, name);
    await writeFile(path, `import { after, before, describe, test } from 'node:test';\n${body}\n`);
    paths.push(path);
  }
  return runTests(paths, { quiet: true });
}

function concluded(phase: PhaseResult, allowed: Parameters<typeof conclude>[1] = []): { code: number; lines: string[] } {
  let text = '';
  const code = conclude([phase], allowed, (t) => (text += t));
  return { code, lines: text.trimEnd().split('\n') };
}

describe('counting a run', () => {
  test('passing tests only: exit 0, and skipped is printed even when 0', async () => {
    const phase = await runFiles({ 'ok.test.ts': "test('a', () => {});\ndescribe('s', () => { test('b', () => {}); });" });
    const { code, lines } = concluded(phase);
    assert.equal(code, 0);
    assert.equal(lines.at(-1), '2 passed, 0 failed, 0 skipped');
  });

  test('a skip, a todo, a skip at run time and a skipped suite: each counted, named, and the run fails', async () => {
    const phase = await runFiles({
      'skips.test.ts': [
        "test('runs', () => {});",
        "test('skipped', { skip: 'the reason' }, () => {});",
        "test('todo', { todo: true }, () => {});",
        "test('todo that fails', { todo: 'later' }, () => { throw new Error('x'); });",
        "test('skips itself', (t) => { t.skip('no service'); });",
        "describe('skipped suite', { skip: true }, () => { test('inside 1', () => {}); test('inside 2', () => {}); });",
      ].join('\n'),
    });
    const { code, lines } = concluded(phase);
    assert.equal(code, 1);
    assert.equal(lines.at(-1), '1 passed, 0 failed, 5 skipped');
    const named = lines.filter((l) => l.includes('skips.test.ts:'));
    assert.equal(named.length, 5, lines.join('\n'));
    assert.ok(lines.some((l) => l.includes('stack/test/allowed-skips.ts')));
    assert.ok(named.some((l) => l.endsWith('skipped (skip: the reason)')));
    assert.ok(named.some((l) => l.endsWith('skipped suite (skip)')));
  });

  test('a skip listed with a reason passes; listed without a reason, it does not', async () => {
    const phase = await runFiles({ 'allowed.test.ts': "test('runs', () => {});\ntest('may skip', { skip: 'needs a GPU' }, () => {});" });
    const file = relative(repoRoot, join(dir, 'allowed.test.ts'));
    const listed = concluded(phase, [{ file, test: 'may skip', reason: 'needs a GPU, which CI has not' }]);
    assert.equal(listed.code, 0);
    assert.equal(listed.lines.at(-1), '1 passed, 0 failed, 1 skipped');
    assert.equal(concluded(phase, [{ file, test: 'may skip', reason: ' ' }]).code, 1);
    assert.equal(concluded(phase, [{ file: 'elsewhere.test.ts', test: 'may skip', reason: 'x' }]).code, 1);
  });

  test('a failure, a timeout, a cancelled test, a failed hook and a describe that throws: all failed, none twice', async () => {
    const phase = await runFiles({
      'fails.test.ts': [
        "test('fails', () => { throw new Error('boom'); });",
        "test('times out', { timeout: 50 }, async () => { await new Promise((r) => setTimeout(r, 1000)); });",
        "describe('hooked', () => { before(() => { throw new Error('no'); }); test('c1', () => {}); test('c2', () => {}); });",
        "describe('throws', () => { throw new Error('while declaring'); });",
        "describe('mixed', () => { test('ok', () => {}); test('bad', () => { throw new Error('x'); }); });",
      ].join('\n'),
    });
    const { code, lines } = concluded(phase);
    assert.equal(code, 1);
    // fails, times out, c1 and c2 (cancelled by their hook), throws (no test inside), bad.
    assert.equal(lines.at(-1), '1 passed, 6 failed, 0 skipped');
  });

  test('a file that cannot load is a failure', async () => {
    const phase = await runFiles({ 'boot.test.ts': "await Promise.reject(new Error('the service did not boot'));\ntest('never', () => {});" });
    const { code, lines } = concluded(phase);
    assert.equal(code, 1);
    assert.equal(lines.at(-1), '0 passed, 1 failed, 0 skipped');
  });
});

test('every test file in the tree runs in one phase; zz- files run last', async () => {
  const plan = await testPlan();
  const both = plan.component.filter((f) => plan.system.includes(f));
  assert.deepEqual(both, []);
  assert.ok(plan.component.includes('stack/test/test-command.test.ts'));
  assert.ok(plan.system.includes('stack/test/lifecycle.test.ts'));
  const last = plan.system.findIndex((f) => /(^|\/)zz-/.test(f));
  if (last !== -1) assert.ok(plan.system.slice(last).every((f) => /(^|\/)zz-/.test(f)), plan.system.join('\n'));
});
