// docs/stackctl.md's command list and error table, generated from what the CLI itself holds:
// the help text (help.ts) and the registry of error codes (errors.ts). `./stackctl docs` writes
// them; stack/test/stackctl-doc.test.ts fails when the file differs.
import { join } from 'node:path';
import { STACK_ERROR_CODES } from '../errors.ts';
import { HELP } from '../help.ts';
import { repoRoot } from '../paths.ts';
import { writeSections } from './markers.ts';

export const STACKCTL_DOC = join(repoRoot, 'docs', 'stackctl.md');
export const REGENERATE = './stackctl docs';

const cell = (text: string) => text.replaceAll('|', '\\|');

/** The generated sections, by marker name. */
export function stackctlDocSections(): Record<string, string> {
  const rows = Object.entries(STACK_ERROR_CODES).map(
    ([code, { exitCode, meaning, fix }]) => `| \`${code}\` | ${exitCode} | ${cell(meaning)} | ${cell(fix)} |`,
  );
  return {
    'stackctl:help': ['```text', HELP.trimEnd(), '```'].join('\n'),
    'stackctl:errors': ['| code | exit | meaning | what to do |', '|---|---|---|---|', ...rows].join('\n'),
  };
}

export function writeStackctlDoc(): number {
  const changed = writeSections(STACKCTL_DOC, stackctlDocSections());
  process.stdout.write(`docs/stackctl.md: ${changed ? 'rewritten from the help text and the error codes' : 'already up to date'}\n`);
  return 0;
}
