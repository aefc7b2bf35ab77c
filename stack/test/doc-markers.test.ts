// The one way a generated section is written into the docs (./stackctl docs, the benches' figures).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replaceBetweenMarkers } from '../src/docs/markers.ts';
import { StackError } from '../src/errors.ts';

const doc = ['# Title', 'by hand', '<!-- bench:x -->', 'old', 'lines', '<!-- /bench:x -->', 'after, by hand', ''].join('\n');

test('replaces only what lies between the markers, keeping them and the text around', () => {
  const out = replaceBetweenMarkers(doc, 'bench:x', '\nnew\n\n');
  assert.equal(out, ['# Title', 'by hand', '<!-- bench:x -->', 'new', '<!-- /bench:x -->', 'after, by hand', ''].join('\n'));
  assert.equal(replaceBetweenMarkers(out, 'bench:x', 'new'), out, 'writing the same content again changes nothing');
});

test('leaves sections of other names alone', () => {
  const two = `${doc}<!-- bench:y -->\nkept\n<!-- /bench:y -->\n`;
  assert.match(replaceBetweenMarkers(two, 'bench:x', 'new'), /<!-- bench:y -->\nkept\n<!-- \/bench:y -->/);
});

test('refuses a document without the pair, with the pair reversed, or with it twice, naming the markers', () => {
  const cases = [
    doc.replace('<!-- /bench:x -->', ''),
    doc.replace('<!-- bench:x -->', ''),
    ['<!-- /bench:x -->', 'text', '<!-- bench:x -->'].join('\n'),
    `${doc}${doc}`,
  ];
  for (const text of cases) {
    assert.throws(
      () => replaceBetweenMarkers(text, 'bench:x', 'new', 'docs/benchmarks.md'),
      (error: unknown) => error instanceof StackError && error.code === 'DOC_MARKERS_MISSING' && /docs\/benchmarks\.md.*<!-- bench:x -->.*<!-- \/bench:x -->/.test(error.message),
    );
  }
});
