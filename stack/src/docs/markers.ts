// Generated sections of the docs sit between a pair of HTML comments, `<!-- NAME -->` and
// `<!-- /NAME -->`, which Markdown does not show. Everything outside them is written by hand.
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { StackError } from '../errors.ts';
import { repoRoot } from '../paths.ts';

/** `text` with what lies between NAME's markers replaced by `content`; the markers themselves stay. */
export function replaceBetweenMarkers(text: string, name: string, content: string, where = 'the document'): string {
  const open = `<!-- ${name} -->`;
  const close = `<!-- /${name} -->`;
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start === -1 || end < start || text.indexOf(open, start + 1) !== -1 || text.indexOf(close, end + 1) !== -1) {
    throw new StackError('DOC_MARKERS_MISSING', `${where} needs exactly one "${open}" followed by one "${close}"; put them back where the section belongs`);
  }
  return `${text.slice(0, start + open.length)}\n${content.trim()}\n${text.slice(end)}`;
}

/** Rewrites the sections named in `sections` in FILE (a path under the repository); says whether anything changed. */
export function writeSections(file: string, sections: Readonly<Record<string, string>>): boolean {
  const before = readFileSync(file, 'utf8');
  const where = relative(repoRoot, file);
  const after = Object.entries(sections).reduce((text, [name, content]) => replaceBetweenMarkers(text, name, content, where), before);
  if (after === before) return false;
  writeFileSync(file, after);
  return true;
}
