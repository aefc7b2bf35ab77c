// docs/stackctl.md's command list and error table are generated (./stackctl docs): this fails when
// the file no longer shows what `./stackctl help` prints and the error codes the CLI has.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { replaceBetweenMarkers } from '../src/docs/markers.ts';
import { REGENERATE, STACKCTL_DOC, stackctlDocSections } from '../src/docs/stackctl-doc.ts';

test("docs/stackctl.md shows the CLI's own help text and error codes", () => {
  const text = readFileSync(STACKCTL_DOC, 'utf8');
  const expected = Object.entries(stackctlDocSections()).reduce((doc, [name, content]) => replaceBetweenMarkers(doc, name, content, 'docs/stackctl.md'), text);
  if (text === expected) return;
  const have = text.split('\n');
  const want = expected.split('\n');
  const line = want.findIndex((l, i) => l !== have[i]);
  assert.fail(`docs/stackctl.md's generated sections differ from the CLI (first at line ${line + 1}: ${JSON.stringify(have[line])}, expected ${JSON.stringify(want[line])}); regenerate them with: ${REGENERATE}`);
});
