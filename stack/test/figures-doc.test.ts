// The benches write their figures into docs/benchmarks.md (bench/support/figures-doc.ts).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BENCHMARKS_DOC, describeMachine, figuresSection } from '../../bench/support/figures-doc.ts';
import { replaceBetweenMarkers } from '../src/docs/markers.ts';
import { repoRoot } from '../src/paths.ts';

test('a section names the command, the time and the machine, then what the bench printed, as printed', () => {
  const printed = '\nstack-startup: `stackctl up` to all engines healthy\n\nwarm | 3 | 25.4 s\n';
  const section = figuresSection('stack-startup', printed, { args: ['--skip-cold', '--runs', '1'], at: new Date('2026-12-07T06:38:12Z'), machine: '2 cores (Some CPU), 24 GiB, Debian GNU/Linux 12 (bookworm)' });
  assert.equal(
    section,
    [
      '`./stackctl bench stack-startup --skip-cold --runs 1`, 2026-12-07 06:38 UTC, on 2 cores (Some CPU), 24 GiB, Debian GNU/Linux 12 (bookworm):',
      '',
      '```text',
      'stack-startup: `stackctl up` to all engines healthy',
      '',
      'warm | 3 | 25.4 s',
      '```',
    ].join('\n'),
  );
  assert.match(describeMachine(), /^\d+ cores \(.+\), \d+ GiB, .+$/);
});

test('docs/benchmarks.md has a place for the figures of every bench, so none fails at its end', () => {
  const doc = readFileSync(BENCHMARKS_DOC, 'utf8');
  const benches = readdirSync(join(repoRoot, 'bench')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
  assert.ok(benches.length >= 5);
  for (const name of benches) {
    assert.doesNotThrow(() => replaceBetweenMarkers(doc, `bench:${name}`, 'figures', 'docs/benchmarks.md'), `docs/benchmarks.md needs <!-- bench:${name} --> and <!-- /bench:${name} --> around its figures`);
    assert.match(readFileSync(join(repoRoot, 'bench', `${name}.ts`), 'utf8'), new RegExp(`recordFigures\\('${name}'`), `bench/${name}.ts writes its figures with recordFigures('${name}', …)`);
  }
});
